using System.Text;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tokenization.SentencePiece;

/// <content>The encoding pipeline behind the public Encode methods: text to UTF-8 with the source index of every byte,
/// normalisation, segmentation (unigram or BPE, sampled or not) into pooled scratch, and the result with its spans.</content>
public sealed partial class SentencePieceTokenizer
{
    private EncodeScratch Rent() => scratchPool.TryTake(out var scratch) ? scratch : new EncodeScratch();

    /// <summary>Writes the UTF-8 of <paramref name="text"/> into the scratch (and the UTF-16 index of every byte).</summary>
    private static int ToUtf8(string text, EncodeScratch scratch, bool spans)
    {
        var length = Encoding.UTF8.GetMaxByteCount(text.Length);
        scratch.EnsureInput(length);
        var written = Encoding.UTF8.GetBytes(text, scratch.Input);
        if (spans)
        {
            var map = scratch.InputToUtf16;
            var b = 0;
            for (var i = 0; i < text.Length; i++)
            {
                int size;
                var c = text[i];
                if (c < 0x80)
                {
                    size = 1;
                }
                else if (c < 0x800)
                {
                    size = 2;
                }
                else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    map[b] = map[b + 1] = map[b + 2] = map[b + 3] = i;
                    b += 4;
                    i++;
                    continue;
                }
                else
                {
                    size = 3;   // BMP character, or a lone surrogate written as U+FFFD
                }

                for (var k = 0; k < size; k++)
                {
                    map[b++] = i;
                }
            }

            map[b] = text.Length;
        }

        return written;
    }

    /// <summary>Normalises and segments into <c>scratch.Segments</c>; returns the normalised length.</summary>
    private int Segment(ReadOnlySpan<byte> input, EncodeScratch scratch, float alpha, Generator? generator)
    {
        var n = normalizer.Normalize(input, scratch);
        var normalized = scratch.Normalized.AsSpan(0, n);
        if (generator is not null)
        {
            unigram!.Sample(normalized, alpha, generator, scratch);
        }
        else if (unigram is not null)
        {
            unigram.Encode(normalized, scratch);
        }
        else
        {
            bpe!.Encode(normalized, scratch);
        }

        return n;
    }

    private void EncodeIds(ReadOnlySpan<byte> input, EncodeScratch scratch)
    {
        Segment(input, scratch, 0, null);
        var ids = scratch.Ids;
        ids.Clear();
        var normalized = scratch.Normalized;
        var previousUnk = false;
        foreach (var segment in scratch.Segments)
        {
            var isUnk = segment.Id == UnkId;
            if (isUnk && byteFallback)
            {
                for (var k = 0; k < segment.Length; k++)
                {
                    ids.Add(byteIds[normalized[segment.Start + k]]);
                }
            }
            else if (!(isUnk && previousUnk))
            {
                ids.Add(segment.Id);
            }

            previousUnk = isUnk;
        }
    }

    private TokenEncoding EncodeCore(string text, float alpha, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(text);
        var scratch = Rent();
        try
        {
            var inputLength = ToUtf8(text, scratch, spans: true);
            Segment(scratch.Input.AsSpan(0, inputLength), scratch, alpha, generator);
            return ToEncoding(scratch);
        }
        finally
        {
            scratchPool.Add(scratch);
        }
    }

    /// <summary>The encoding of <c>scratch.Segments</c>: byte fallback for unknown pieces (one byte piece per UTF-8 byte),
    /// runs of unknown pieces merged into one, spans in UTF-16 units of the input.</summary>
    private TokenEncoding ToEncoding(EncodeScratch scratch)
    {
        var normToOrig = scratch.NormToOrig;
        var toUtf16 = scratch.InputToUtf16;
        var normalized = scratch.Normalized;
        var outIds = new List<int>(scratch.Segments.Count);
        var outSpans = new List<TokenSpan>(scratch.Segments.Count);
        var previousUnk = false;
        foreach (var segment in scratch.Segments)
        {
            var begin = toUtf16[normToOrig[segment.Start]];
            var end = toUtf16[normToOrig[segment.Start + segment.Length]];
            var isUnk = segment.Id == UnkId;
            if (isUnk && byteFallback)
            {
                for (var k = 0; k < segment.Length; k++)
                {
                    outIds.Add(byteIds[normalized[segment.Start + k]]);
                    outSpans.Add(k == segment.Length - 1 ? new TokenSpan(begin, end - begin) : new TokenSpan(begin, 0));
                }
            }
            else if (isUnk && previousUnk)
            {
                var last = outSpans[^1];
                outSpans[^1] = new TokenSpan(last.Start, end - last.Start);
            }
            else
            {
                outIds.Add(segment.Id);
                outSpans.Add(new TokenSpan(begin, end - begin));
            }

            previousUnk = isUnk;
        }

        var idArray = outIds.ToArray();
        var tokens = new string[idArray.Length];
        for (var i = 0; i < tokens.Length; i++)
        {
            tokens[i] = pieces[idArray[i]];
        }

        return new TokenEncoding(idArray, tokens, [.. outSpans]);
    }
}

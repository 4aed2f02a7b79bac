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

    /// <summary>Copies UTF-8 bytes into the scratch; the span map is the identity (spans in bytes).</summary>
    private static int BytesToScratch(ReadOnlySpan<byte> utf8, EncodeScratch scratch)
    {
        scratch.EnsureInput(utf8.Length);
        utf8.CopyTo(scratch.Input);
        var map = scratch.InputToUtf16;
        for (var i = 0; i <= utf8.Length; i++)
        {
            map[i] = i;
        }

        return utf8.Length;
    }

    /// <summary>Normalises and segments into <c>scratch.Segments</c>; returns the normalised length.</summary>
    private int Segment(ReadOnlySpan<byte> input, EncodeScratch scratch, float alpha, Generator? generator)
    {
        var n = normalizer.Normalize(input, scratch);
        var normalized = scratch.Normalized.AsSpan(0, n);
        if (unigram is not null && generator is not null)
        {
            unigram.Sample(normalized, alpha, generator, scratch);
        }
        else if (unigram is not null)
        {
            unigram.Encode(normalized, scratch);
        }
        else
        {
            bpe!.Encode(normalized, scratch, alpha, generator);
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
    /// runs of unknown pieces merged into one, spans in UTF-16 units of the input. The token of a known piece is the
    /// piece; the token of an unknown run is its normalised text (with <c>▁</c> for spaces), as SentencePiece's
    /// <c>PopulateSentencePieceText</c> sets the piece string of an unknown token to the normalised bytes it covers.</summary>
    private TokenEncoding ToEncoding(EncodeScratch scratch)
    {
        var normToOrig = scratch.NormToOrig;
        var toUtf16 = scratch.InputToUtf16;
        var normalized = scratch.Normalized;
        var outIds = new List<int>(scratch.Segments.Count);
        var outSpans = new List<TokenSpan>(scratch.Segments.Count);
        var outTokens = new List<string>(scratch.Segments.Count);
        var previousUnk = false;
        var unkStart = 0;   // normalised byte where the current run of unknown pieces starts
        foreach (var segment in scratch.Segments)
        {
            var begin = toUtf16[normToOrig[segment.Start]];
            var end = toUtf16[normToOrig[segment.Start + segment.Length]];
            var isUnk = segment.Id == UnkId;
            if (isUnk && byteFallback)
            {
                for (var k = 0; k < segment.Length; k++)
                {
                    var id = byteIds[normalized[segment.Start + k]];
                    outIds.Add(id);
                    outTokens.Add(pieces[id]);
                    outSpans.Add(k == segment.Length - 1 ? new TokenSpan(begin, end - begin) : new TokenSpan(begin, 0));
                }
            }
            else if (isUnk && previousUnk)
            {
                var last = outSpans[^1];
                outSpans[^1] = new TokenSpan(last.Start, end - last.Start);
                outTokens[^1] = Encoding.UTF8.GetString(normalized, unkStart, segment.Start + segment.Length - unkStart);
            }
            else
            {
                outIds.Add(segment.Id);
                outSpans.Add(new TokenSpan(begin, end - begin));
                outTokens.Add(isUnk ? Encoding.UTF8.GetString(normalized, segment.Start, segment.Length) : pieces[segment.Id]);
                unkStart = segment.Start;
            }

            previousUnk = isUnk;
        }

        return new TokenEncoding([.. outIds], [.. outTokens], [.. outSpans]);
    }
}

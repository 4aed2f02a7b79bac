using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>
/// Hugging Face <c>Unigram</c> model: <c>vocab</c> is a list of [piece, log-probability]; a piece is cut along the best
/// path (Viterbi, scores summed in double) through every vocabulary piece that matches, starts ascending and shorter
/// pieces first, a later candidate winning only when strictly better; a character no piece covers alone is
/// <c>unk_id</c> scoring min score − 10. Consecutive unknowns are fused into one token whose string is the text it
/// covers; with <c>byte_fallback</c> an unknown becomes its UTF-8 bytes as <c>&lt;0xHH&gt;</c> tokens (each with the
/// unknown's span) when all exist.
/// </summary>
internal sealed class UnigramModel : Model
{
    private const double UnkPenalty = 10;
    private readonly double[] scores;
    private readonly int unkId;
    private readonly bool byteFallback;
    private readonly int maxPieceLength;
    private readonly double unkScore;

    public UnigramModel(JsonSource json, JsonElement element, string path)
        : this(json, element, path, Read(json, element, path))
    {
    }

    private UnigramModel(JsonSource json, JsonElement element, string path, (Dictionary<string, int> Vocab, string?[] Tokens, double[] Scores) v)
        : base(v.Vocab, v.Tokens)
    {
        scores = v.Scores;
        unkId = -1;
        if (JsonSource.TryGet(element, "unk_id", out var unk))
        {
            unkId = json.AsInt(unk, $"{path}.unk_id");
            if (unkId >= scores.Length)
            {
                throw json.Error($"{path}.unk_id", string.Create(CultureInfo.InvariantCulture, $"{unkId} is outside the {scores.Length} pieces."));
            }
        }

        byteFallback = json.Bool(element, "byte_fallback", path, false);
        var min = double.PositiveInfinity;
        foreach (var s in scores)
        {
            min = Math.Min(min, s);
        }

        unkScore = min - UnkPenalty;
        foreach (var token in Vocab.Keys)
        {
            maxPieceLength = Math.Max(maxPieceLength, token.Length);
        }
    }

    private static (Dictionary<string, int>, string?[], double[]) Read(JsonSource json, JsonElement element, string path)
    {
        var list = json.Array(json.Required(element, "vocab", path), $"{path}.vocab");
        var n = list.GetArrayLength();
        var tokens = new string?[n];
        var scores = new double[n];
        var vocab = new Dictionary<string, int>(n, StringComparer.Ordinal);
        var i = 0;
        foreach (var item in list.EnumerateArray())
        {
            var at = JsonSource.At($"{path}.vocab", i);
            if (item.ValueKind != JsonValueKind.Array || item.GetArrayLength() != 2)
            {
                throw json.Error(at, $"expected [piece, score], found {JsonSource.Kind(item)}.");
            }

            tokens[i] = json.AsString(item[0], JsonSource.At(at, 0));
            scores[i] = json.AsDouble(item[1], JsonSource.At(at, 1));
            vocab[tokens[i]!] = i; // a repeated piece: the last id wins, as in Hugging Face's token_to_ids
            i++;
        }

        return (vocab, tokens, scores);
    }

    public override void Tokenize(ReadOnlySpan<char> piece, List<ModelToken> output)
    {
        var size = piece.Length;
        if (size == 0)
        {
            return;
        }

        var rented = ArrayPool<double>.Shared.Rent(size + 1);
        var rentedInts = ArrayPool<int>.Shared.Rent(2 * (size + 1));
        try
        {
            var best = rented.AsSpan(0, size + 1);
            var from = rentedInts.AsSpan(0, size + 1);
            var ids = rentedInts.AsSpan(size + 1, size + 1);
            best.Clear();
            from.Fill(-1);
            for (var start = 0; start < size;)
            {
                var charLength = char.IsHighSurrogate(piece[start]) && start + 1 < size && char.IsLowSurrogate(piece[start + 1]) ? 2 : 1;
                var here = best[start];
                var single = false;
                var limit = Math.Min(size, start + maxPieceLength);
                for (var end = start + charLength; end <= limit;)
                {
                    if (Lookup.TryGetValue(piece[start..end], out var id))
                    {
                        var candidate = scores[id] + here;
                        if (from[end] < 0 || candidate > best[end])
                        {
                            (best[end], from[end], ids[end]) = (candidate, start, id);
                        }

                        single |= end - start == charLength;
                    }

                    end += end < size && char.IsHighSurrogate(piece[end]) && end + 1 < size && char.IsLowSurrogate(piece[end + 1]) ? 2 : 1;
                }

                if (!single)
                {
                    var end = start + charLength;
                    var candidate = unkScore + here;
                    if (from[end] < 0 || candidate > best[end])
                    {
                        (best[end], from[end], ids[end]) = (candidate, start, -1);
                    }
                }

                start += charLength;
            }

            // Walk back, fusing consecutive unknowns, then emit in order.
            var first = output.Count;
            for (var end = size; end > 0;)
            {
                var start = from[end];
                if (ids[end] < 0)
                {
                    if (unkId < 0)
                    {
                        throw new InvalidOperationException("Unigram: the text has a character no piece covers and the model has no unk_id (Hugging Face fails the same way).");
                    }

                    var unkEnd = end;
                    while (start > 0 && ids[start] < 0)
                    {
                        start = from[start];
                    }

                    output.Add(new ModelToken(-1, start, unkEnd));
                }
                else
                {
                    output.Add(new ModelToken(ids[end], start, end));
                }

                end = start;
            }

            output.Reverse(first, output.Count - first);
            ExpandUnknowns(piece, output, first);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
            ArrayPool<int>.Shared.Return(rentedInts);
        }
    }

    /// <summary>An unknown span: byte tokens with byte_fallback when all exist, else the unk id with the surface text.</summary>
    private void ExpandUnknowns(ReadOnlySpan<char> piece, List<ModelToken> output, int first)
    {
        for (var k = first; k < output.Count; k++)
        {
            var t = output[k];
            if (t.Id >= 0)
            {
                continue;
            }

            var surface = piece[t.Start..t.End];
            if (byteFallback)
            {
                var bytes = Encoding.UTF8.GetBytes(surface.ToString());
                var byteTokens = new ModelToken[bytes.Length];
                var all = true;
                for (var b = 0; b < bytes.Length && all; b++)
                {
                    var name = string.Create(CultureInfo.InvariantCulture, $"<0x{bytes[b]:X2}>");
                    all = Vocab.TryGetValue(name, out var id);
                    byteTokens[b] = new ModelToken(id, t.Start, t.End, name);
                }

                if (all)
                {
                    output.RemoveAt(k);
                    output.InsertRange(k, byteTokens);
                    k += byteTokens.Length - 1;
                    continue;
                }
            }

            output[k] = new ModelToken(unkId, t.Start, t.End, surface.ToString());
        }
    }
}

using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>
/// Hugging Face <c>BPE</c> model: each character of a piece is looked up (with <c>continuing_subword_prefix</c> on all
/// but the first and <c>end_of_word_suffix</c> on the last); a character the vocabulary lacks becomes its UTF-8 bytes
/// as <c>&lt;0xHH&gt;</c> tokens with <c>byte_fallback</c>, else <c>unk_token</c> (consecutive ones fused with
/// <c>fuse_unk</c>), else nothing. Then adjacent symbols are merged, the lowest-ranked merge first (leftmost on ties),
/// until none applies. With <c>ignore_merges</c> a piece that is itself a token is that token. Merges are read as
/// <c>"a b"</c> strings or <c>["a", "b"]</c> pairs; a pair's result is <c>a</c> + <c>b</c> without the prefix.
/// <c>dropout</c> must be null or 0 (encoding is deterministic).
/// </summary>
internal sealed class BpeModel : Model
{
    private const int MaxCachedLength = 256;
    private const int MaxCacheEntries = 100_000;

    private readonly Dictionary<long, (int Rank, int Id)> merges;
    private readonly string prefix;
    private readonly string suffix;
    private readonly int unkId;
    private readonly bool fuseUnk;
    private readonly bool ignoreMerges;
    private readonly int[]? byteIds;
    private readonly ConcurrentDictionary<string, ModelToken[]> cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ModelToken[]>.AlternateLookup<ReadOnlySpan<char>> cacheLookup;
    private int cacheCount;

    public BpeModel(JsonSource json, JsonElement element, string path)
        : this(json, element, path, ReadVocab(json, element, path))
    {
    }

    private BpeModel(JsonSource json, JsonElement element, string path, (Dictionary<string, int> Vocab, string?[] Tokens) v)
        : base(v.Vocab, v.Tokens)
    {
        if (JsonSource.TryGet(element, "dropout", out var dropout) && json.AsDouble(dropout, $"{path}.dropout") != 0)
        {
            throw json.Error($"{path}.dropout", "BPE-dropout is not supported: encoding here is deterministic (set it to null).");
        }

        prefix = json.OptionalString(element, "continuing_subword_prefix", path) ?? "";
        suffix = json.OptionalString(element, "end_of_word_suffix", path) ?? "";
        var unk = json.OptionalString(element, "unk_token", path);
        unkId = unk is null ? -1 : RequireToken(json, Vocab, unk, $"{path}.unk_token");
        fuseUnk = json.Bool(element, "fuse_unk", path, false);
        ignoreMerges = json.Bool(element, "ignore_merges", path, false);
        if (json.Bool(element, "byte_fallback", path, false))
        {
            byteIds = new int[256];
            for (var b = 0; b < 256; b++)
            {
                byteIds[b] = Vocab.TryGetValue(string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>"), out var id) ? id : -1;
            }
        }

        merges = ReadMerges(json, element, path);
        cacheLookup = cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    private Dictionary<long, (int, int)> ReadMerges(JsonSource json, JsonElement element, string path)
    {
        var list = json.Array(json.Required(element, "merges", path), $"{path}.merges");
        var result = new Dictionary<long, (int, int)>(list.GetArrayLength());
        var rank = 0;
        foreach (var item in list.EnumerateArray())
        {
            var at = JsonSource.At($"{path}.merges", rank);
            string left, right;
            if (item.ValueKind == JsonValueKind.String)
            {
                var line = item.GetString()!;
                var space = line.IndexOf(' ', StringComparison.Ordinal);
                if (space < 0 || line.IndexOf(' ', space + 1) >= 0)
                {
                    throw json.Error(at, $"expected two tokens separated by one space, found {JsonSource.Kind(item)}.");
                }

                (left, right) = (line[..space], line[(space + 1)..]);
            }
            else if (item.ValueKind == JsonValueKind.Array && item.GetArrayLength() == 2)
            {
                left = json.AsString(item[0], JsonSource.At(at, 0));
                right = json.AsString(item[1], JsonSource.At(at, 1));
            }
            else
            {
                throw json.Error(at, $"expected \"a b\" or [\"a\", \"b\"], found {JsonSource.Kind(item)}.");
            }

            var l = RequireToken(json, Vocab, left, at);
            var r = RequireToken(json, Vocab, right, at);
            if (prefix.Length > right.Length)
            {
                throw json.Error(at, $"the right part \"{JsonSource.Excerpt(right)}\" is shorter than the continuing-subword prefix.");
            }

            var merged = RequireToken(json, Vocab, string.Concat(left, right.AsSpan(Math.Min(prefix.Length, right.Length))), at);
            result[((long)l << 32) | (uint)r] = (rank, merged);
            rank++;
        }

        return result;
    }

    public override void Tokenize(ReadOnlySpan<char> piece, List<ModelToken> output)
    {
        if (piece.IsEmpty)
        {
            return;
        }

        if (ignoreMerges && Lookup.TryGetValue(piece, out var whole))
        {
            output.Add(new ModelToken(whole, 0, piece.Length));
            return;
        }

        if (cacheLookup.TryGetValue(piece, out var cached))
        {
            output.AddRange(cached);
            return;
        }

        var first = output.Count;
        Merge(piece, output);
        if (piece.Length <= MaxCachedLength && Volatile.Read(ref cacheCount) < MaxCacheEntries
            && cacheLookup.TryAdd(piece, [.. System.Runtime.InteropServices.CollectionsMarshal.AsSpan(output)[first..]]))
        {
            Interlocked.Increment(ref cacheCount);
        }
    }

    private void Merge(ReadOnlySpan<char> piece, List<ModelToken> output)
    {
        // Symbols: id and unit span; ranks[i]/mergedIds[i] describe the pair (i, i + 1).
        var capacity = (piece.Length * 4) + 1;
        var rented = ArrayPool<int>.Shared.Rent(capacity * 5);
        var ids = rented.AsSpan(0, capacity);
        var starts = rented.AsSpan(capacity, capacity);
        var ends = rented.AsSpan(2 * capacity, capacity);
        var ranks = rented.AsSpan(3 * capacity, capacity);
        var mergedIds = rented.AsSpan(4 * capacity, capacity);
        var count = 0;
        var pendingUnk = (Start: -1, End: -1);
        var scratch = ArrayPool<char>.Shared.Rent(prefix.Length + suffix.Length + 2);
        Span<byte> utf8 = stackalloc byte[4];
        try
        {
            for (var i = 0; i < piece.Length;)
            {
                var width = char.IsHighSurrogate(piece[i]) && i + 1 < piece.Length && char.IsLowSurrogate(piece[i + 1]) ? 2 : 1;
                var n = 0;
                if (i > 0)
                {
                    prefix.CopyTo(scratch);
                    n = prefix.Length;
                }

                piece.Slice(i, width).CopyTo(scratch.AsSpan(n));
                n += width;
                if (i + width == piece.Length)
                {
                    suffix.CopyTo(scratch.AsSpan(n));
                    n += suffix.Length;
                }

                var symbol = scratch.AsSpan(0, n);
                if (Lookup.TryGetValue(symbol, out var id))
                {
                    FlushUnk(ref pendingUnk, ids, starts, ends, ref count);
                    (ids[count], starts[count], ends[count]) = (id, i, i + width);
                    count++;
                }
                else if (byteIds is not null && AllBytesKnown(symbol, utf8))
                {
                    FlushUnk(ref pendingUnk, ids, starts, ends, ref count);
                    foreach (var rune in symbol.EnumerateRunes())
                    {
                        var bytes = rune.EncodeToUtf8(utf8);
                        for (var k = 0; k < bytes; k++)
                        {
                            (ids[count], starts[count], ends[count]) = (byteIds[utf8[k]], i, i + width);
                            count++;
                        }
                    }
                }
                else if (unkId >= 0)
                {
                    if (pendingUnk.Start >= 0 && fuseUnk)
                    {
                        pendingUnk.End = i + width;
                    }
                    else
                    {
                        FlushUnk(ref pendingUnk, ids, starts, ends, ref count);
                        pendingUnk = (i, i + width);
                    }
                }

                i += width;
            }

            FlushUnk(ref pendingUnk, ids, starts, ends, ref count);
            for (var i = 0; i + 1 < count; i++)
            {
                LookUp(ids, ranks, mergedIds, i);
            }

            while (count > 1)
            {
                var best = -1;
                var bestRank = int.MaxValue;
                for (var i = 0; i + 1 < count; i++)
                {
                    if (ranks[i] < bestRank)
                    {
                        (best, bestRank) = (i, ranks[i]);
                    }
                }

                if (best < 0)
                {
                    break;
                }

                ids[best] = mergedIds[best];
                ends[best] = ends[best + 1];
                var tail = count - best - 2;
                ids.Slice(best + 2, tail).CopyTo(ids[(best + 1)..]);
                starts.Slice(best + 2, tail).CopyTo(starts[(best + 1)..]);
                ends.Slice(best + 2, tail).CopyTo(ends[(best + 1)..]);
                ranks.Slice(best + 2, tail).CopyTo(ranks[(best + 1)..]);
                mergedIds.Slice(best + 2, tail).CopyTo(mergedIds[(best + 1)..]);
                count--;
                if (best + 1 < count)
                {
                    LookUp(ids, ranks, mergedIds, best);
                }
                else
                {
                    ranks[best] = int.MaxValue;
                }

                if (best > 0)
                {
                    LookUp(ids, ranks, mergedIds, best - 1);
                }
            }

            for (var i = 0; i < count; i++)
            {
                output.Add(new ModelToken(ids[i], starts[i], ends[i]));
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rented);
            ArrayPool<char>.Shared.Return(scratch);
        }
    }

    private bool AllBytesKnown(ReadOnlySpan<char> symbol, Span<byte> utf8)
    {
        foreach (var rune in symbol.EnumerateRunes())
        {
            var n = rune.EncodeToUtf8(utf8);
            for (var k = 0; k < n; k++)
            {
                if (byteIds![utf8[k]] < 0)
                {
                    return false;
                }
            }
        }

        return true;
    }

    private void FlushUnk(ref (int Start, int End) pending, Span<int> ids, Span<int> starts, Span<int> ends, ref int count)
    {
        if (pending.Start >= 0)
        {
            (ids[count], starts[count], ends[count]) = (unkId, pending.Start, pending.End);
            count++;
            pending = (-1, -1);
        }
    }

    private void LookUp(Span<int> ids, Span<int> ranks, Span<int> mergedIds, int i)
    {
        if (merges.TryGetValue(((long)ids[i] << 32) | (uint)ids[i + 1], out var m))
        {
            (ranks[i], mergedIds[i]) = m;
        }
        else
        {
            ranks[i] = int.MaxValue;
        }
    }
}

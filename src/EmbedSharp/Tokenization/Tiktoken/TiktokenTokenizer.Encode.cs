using System.Buffers;
using System.Text;

namespace EmbedSharp.Tokenization.Tiktoken;

public sealed partial class TiktokenTokenizer
{
    private void EncodeCore(string text, SpecialTokenPolicy policy, List<int> ids, List<TokenSpan>? spans)
    {
        if (policy.DisallowOthers)
        {
            var (first, at) = ((string?)null, int.MaxValue);
            foreach (var (special, _) in _specials)
            {
                var index = policy.IsAllowed(special) ? -1 : text.IndexOf(special, StringComparison.Ordinal);
                if (index >= 0 && index < at)
                {
                    (first, at) = (special, index);
                }
            }

            if (first is not null)
            {
                throw new ArgumentException(FormattableString.Invariant($"The text holds the special token '{first}' at char {at}, which this policy does not allow: allow it (SpecialTokenPolicy.All or Allow) or encode it as text (SpecialTokenPolicy.None)."), nameof(text));
            }
        }

        var position = 0;
        while (true)
        {
            var (at, id, length) = NextSpecial(text, position, policy);
            EncodeOrdinary(text, position, (at < 0 ? text.Length : at) - position, ids, spans);
            if (at < 0)
            {
                return;
            }

            ids.Add(id);
            spans?.Add(new TokenSpan(at, length));
            position = at + length;
        }
    }

    /// <summary>The leftmost allowed special token at or after <paramref name="from"/> (the longest at that index).</summary>
    private (int At, int Id, int Length) NextSpecial(string text, int from, SpecialTokenPolicy policy)
    {
        var best = (At: -1, Id: -1, Length: 0);
        if (policy.Allowed is { Count: 0 })
        {
            return best;
        }

        foreach (var (special, id) in _specials)
        {
            if (!policy.IsAllowed(special))
            {
                continue;
            }

            var at = text.AsSpan(from, (best.At < 0 ? text.Length : Math.Min(text.Length, best.At + special.Length)) - from).IndexOf(special, StringComparison.Ordinal);
            if (at >= 0 && (best.At < 0 || from + at < best.At))
            {
                best = (from + at, id, special.Length); // longest first: an equal index keeps the longer one
            }
        }

        return best;
    }

    private void EncodeOrdinary(string text, int start, int length, List<int> ids, List<TokenSpan>? spans)
    {
        if (length == 0)
        {
            return;
        }

        var segment = text.AsSpan(start, length);
        var regex = Encoding.Regex;
        if (segment.IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            foreach (var match in regex.EnumerateMatches(segment))
            {
                EncodePiece(segment.Slice(match.Index, match.Length), start + match.Index, ids, spans);
            }

            return;
        }

        // Code points outside the BMP: match on the one-char-per-code-point stand-in, map the bounds back.
        var (standIn, starts) = TiktokenPattern.StandIn(segment);
        foreach (var match in regex.EnumerateMatches(standIn))
        {
            var from = starts[match.Index];
            var to = starts[match.Index + match.Length];
            EncodePiece(segment[from..to], start + from, ids, spans);
        }
    }

    private void EncodePiece(ReadOnlySpan<char> piece, int offset, List<int> ids, List<TokenSpan>? spans)
    {
        if (piece.IsEmpty)
        {
            return;
        }

        var cacheable = piece.Length <= MaxCachedPieceChars;
        if (!cacheable || !_cacheLookup.TryGetValue(piece, out var pieceIds))
        {
            pieceIds = MergePiece(piece);
            if (cacheable && Volatile.Read(ref _cacheCount) < MaxCacheEntries && _cacheLookup.TryAdd(piece, pieceIds))
            {
                Interlocked.Increment(ref _cacheCount);
            }
        }

        ids.AddRange(pieceIds);
        if (spans is not null)
        {
            AddSpans(piece, offset, pieceIds, spans);
        }
    }

    private int[] MergePiece(ReadOnlySpan<char> piece)
    {
        var maxBytes = System.Text.Encoding.UTF8.GetMaxByteCount(piece.Length);
        var rented = ArrayPool<byte>.Shared.Rent(maxBytes);
        try
        {
            var n = System.Text.Encoding.UTF8.GetBytes(piece, rented); // unpaired surrogates → EF BF BD
            var bytes = rented.AsSpan(0, n);
            if (_rankLookup.TryGetValue(bytes, out var whole))
            {
                return [whole];
            }

            return n <= HeapMergeThreshold ? MergeByScan(bytes) : MergeByHeap(bytes);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>One piece merged by the scan or the heap, whatever its length (tests compare the two).</summary>
    internal int[] MergeForTest(string piece, bool useHeap)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(piece);
        return _rankLookup.TryGetValue(bytes, out var whole) ? [whole] : useHeap ? MergeByHeap(bytes) : MergeByScan(bytes);
    }

    private int RankOf(ReadOnlySpan<byte> bytes) => _rankLookup.TryGetValue(bytes, out var rank) ? rank : int.MaxValue;

    /// <summary>tiktoken's <c>byte_pair_merge</c>: part starts and, for each part, the rank of it joined with the next.</summary>
    private int[] MergeByScan(ReadOnlySpan<byte> bytes)
    {
        var n = bytes.Length;
        Span<int> starts = stackalloc int[n + 1];
        Span<int> ranks = stackalloc int[n + 1];
        for (var i = 0; i <= n; i++)
        {
            starts[i] = i;
            ranks[i] = i + 2 <= n ? RankOf(bytes.Slice(i, 2)) : int.MaxValue;
        }

        var count = n + 1; // parts, the last one the end sentinel
        while (true)
        {
            var best = int.MaxValue;
            var at = -1;
            for (var i = 0; i < count - 1; i++)
            {
                if (ranks[i] < best)
                {
                    best = ranks[i];
                    at = i;
                }
            }

            if (at < 0)
            {
                break;
            }

            // Part at+1 joins part at: the ranks of (at−1, at) and (at, at+1) are those of the joined byte strings.
            if (at > 0)
            {
                ranks[at - 1] = at + 2 < count ? RankOf(bytes[starts[at - 1]..starts[at + 2]]) : int.MaxValue;
            }

            ranks[at] = at + 3 < count ? RankOf(bytes[starts[at]..starts[at + 3]]) : int.MaxValue;
            starts[(at + 2)..count].CopyTo(starts[(at + 1)..]);
            ranks[(at + 2)..count].CopyTo(ranks[(at + 1)..]);
            count--;
        }

        var result = new int[count - 1];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = _rankLookup[bytes[starts[i]..starts[i + 1]]];
        }

        return result;
    }

    /// <summary>The same merges as <see cref="MergeByScan"/>, in O(n log n): candidate pairs in a heap ordered by
    /// (rank, start), parts as a linked list; a popped pair whose parts changed since it was pushed is skipped.</summary>
    private int[] MergeByHeap(ReadOnlySpan<byte> bytes)
    {
        var n = bytes.Length;
        var next = ArrayPool<int>.Shared.Rent(n);
        var previous = ArrayPool<int>.Shared.Rent(n);
        var alive = ArrayPool<bool>.Shared.Rent(n);
        try
        {
            var heap = new PriorityQueue<(int Start, int End), long>(n);
            for (var i = 0; i < n; i++)
            {
                next[i] = i + 1;
                previous[i] = i - 1;
                alive[i] = true;
                if (i + 2 <= n && RankOf(bytes.Slice(i, 2)) is var r and not int.MaxValue)
                {
                    heap.Enqueue((i, i + 2), ((long)r << 32) | (uint)i);
                }
            }

            while (heap.TryDequeue(out var pair, out _))
            {
                var (start, end) = pair;
                if (!alive[start] || next[start] >= n || NextOrEnd(next, n, next[start]) != end)
                {
                    continue; // stale: one of its parts has changed
                }

                var right = next[start];
                alive[right] = false;
                next[start] = next[right];
                if (next[start] < n)
                {
                    previous[next[start]] = start;
                }

                if (previous[start] >= 0)
                {
                    var left = previous[start];
                    var rank = RankOf(bytes[left..next[start]]);
                    if (rank != int.MaxValue)
                    {
                        heap.Enqueue((left, next[start]), ((long)rank << 32) | (uint)left);
                    }
                }

                if (next[start] < n)
                {
                    var after = NextOrEnd(next, n, next[start]);
                    var rank = RankOf(bytes[start..after]);
                    if (rank != int.MaxValue)
                    {
                        heap.Enqueue((start, after), ((long)rank << 32) | (uint)start);
                    }
                }
            }

            var result = new List<int>();
            for (var s = 0; s < n; s = next[s])
            {
                result.Add(_rankLookup[bytes[s..next[s]]]);
            }

            return [.. result];
        }
        finally
        {
            ArrayPool<int>.Shared.Return(next);
            ArrayPool<int>.Shared.Return(previous);
            ArrayPool<bool>.Shared.Return(alive);
        }

        static int NextOrEnd(int[] next, int n, int part) => part < n ? next[part] : n;
    }

    private void AddSpans(ReadOnlySpan<char> piece, int offset, int[] pieceIds, List<TokenSpan> spans)
    {
        // Walk the piece's characters and the tokens' bytes together.
        var charIndex = 0;
        var charWidth = 0;
        var bytesLeftInChar = 0;
        foreach (var id in pieceIds)
        {
            var tokenBytes = _bytes[id]!.Length;
            var first = -1;
            var end = 0;
            for (var k = 0; k < tokenBytes; k++)
            {
                if (bytesLeftInChar == 0)
                {
                    charIndex += charWidth;
                    Rune.DecodeFromUtf16(piece[charIndex..], out var rune, out charWidth); // lone surrogate → U+FFFD, 3 bytes
                    bytesLeftInChar = rune.Utf8SequenceLength;
                }

                if (first < 0)
                {
                    first = charIndex;
                }

                bytesLeftInChar--;
                end = charIndex + charWidth;
            }

            spans.Add(new TokenSpan(offset + first, end - first));
        }
    }
}

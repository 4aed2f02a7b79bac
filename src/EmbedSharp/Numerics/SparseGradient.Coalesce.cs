using System.Runtime.CompilerServices;

#pragma warning disable CS8500 // the coalesce context lives on the caller's stack (which waits)

namespace EmbedSharp.Numerics;

/// <content>Coalescing: the entries sorted by row as torch's <c>coalesce()</c> sorts them, and the parallel sum of each
/// row's entries.</content>
public sealed partial class SparseGradient
{
    /// <summary>Sums duplicate rows (torch: <c>coalesce()</c>): returns the distinct rows in ascending order, and
    /// their summed values, into owned buffers of <paramref name="result"/>. A row's entries are added in the order
    /// torch's sort of the row indices leaves them (libstdc++'s <c>std::sort</c>: input order when there are at most 16
    /// entries, otherwise the introsort's order), so the sums are torch's bits.</summary>
    /// <remarks>(row, entry) pairs are sorted by row with <see cref="LibstdcxxSort"/>, then the rows are summed in
    /// parallel over disjoint groups. Warmed-up calls allocate nothing.</remarks>
    public void CoalesceInto(SparseGradient result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result == this || result.RowCount != RowCount || result.RowLength != RowLength)
        {
            throw new ArgumentException("The result must be another gradient of the same shape.", nameof(result));
        }

        result.Clear();
        var groups = SortByRow(out var sorted, out var starts, out var entryBits);
        if (groups == 0)
        {
            return;
        }

        result.ReserveOwned(groups);
        var dim = RowLength;
        var entryMask = (1UL << entryBits) - 1;
        for (var g = 0; g < groups; g++)
        {
            result._indices[g] = (long)(sorted[starts[g]] >> entryBits);
        }

        result._ownedCount = groups;
        result.Count = groups;
        result.AddSegment(new Segment { Start = 0, Count = groups, OwnedStart = 0, PositionStart = -1 });
        if (dim == 0)
        {
            return;
        }

        unsafe
        {
            var work = new SumWork { Source = this, Result = result, Sorted = sorted, Starts = starts, EntryMask = entryMask, Groups = groups };
            WorkSplit.Run(&SumPart, &work, WorkSplit.Parts((long)Count * dim, 1L << 15));
        }
    }

    private struct SumWork
    {
        public SparseGradient Source;
        public SparseGradient Result;
        public ulong[] Sorted;
        public int[] Starts;
        public ulong EntryMask;
        public int Groups;
    }

    private static unsafe void SumPart(void* context, int part, int parts)
    {
        ref var w = ref Unsafe.AsRef<SumWork>(context);
        var (first, last) = WorkSplit.Range(w.Groups, part, parts);
        var dim = w.Source.RowLength;
        for (var g = (int)first; g < last; g++)
        {
            var row = w.Result._values.AsSpan(g * dim, dim);
            var s = w.Starts[g];
            var e = w.Starts[g + 1];
            w.Source.Value((int)(w.Sorted[s] & w.EntryMask)).CopyTo(row);
            for (var i = s + 1; i < e; i++)
            {
                RowKernels.AddRow(w.Source.Value((int)(w.Sorted[i] & w.EntryMask)), row);
            }
        }
    }

    /// <summary>The entries ordered by row as torch's <c>coalesce()</c> orders them: each key is
    /// (row &lt;&lt; entryBits) | entry, sorted on the row by <see cref="LibstdcxxSort"/>. Returns the number of
    /// distinct rows.</summary>
    internal int SortByRow(out ulong[] sorted, out int[] groupStarts, out int entryBits)
    {
        var groups = SortByRow(out sorted, out entryBits);
        if (_groupStarts.Length < groups + 1)
        {
            _groupStarts = new int[Math.Max(groups + 1, _groupStarts.Length * 2)];
        }

        groupStarts = _groupStarts; // group g is sorted[groupStarts[g] .. groupStarts[g + 1])
        var n = Count;
        var g = -1;
        var previous = ulong.MaxValue;
        for (var i = 0; i < n; i++)
        {
            var row = sorted[i] >> entryBits;
            if (row != previous)
            {
                previous = row;
                groupStarts[++g] = i;
            }
        }

        groupStarts[groups] = n;
        return groups;
    }

    private int SortByRow(out ulong[] sorted, out int entryBits)
    {
        var n = Count;
        entryBits = Bits((ulong)Math.Max(0, n - 1));
        var rowBits = Bits((ulong)Math.Max(0, RowCount - 1));
        sorted = _sortKeys;
        if (n == 0)
        {
            return 0;
        }

        if (entryBits + rowBits > 64)
        {
            throw new NotSupportedException($"{n} entries over {RowCount} rows do not fit a 64-bit sort key.");
        }

        if (_sortKeys.Length < n)
        {
            _sortKeys = new ulong[Math.Max(n, _sortKeys.Length * 2)];
        }

        var keys = _sortKeys.AsSpan(0, n);
        var k = 0;
        for (var s = 0; s < _segmentCount; s++)
        {
            ref var seg = ref _segments[s];
            if (seg.Indices is null)
            {
                var rows = _indices.AsSpan(seg.OwnedStart, seg.Count);
                for (var j = 0; j < rows.Length; j++, k++)
                {
                    keys[k] = ((ulong)rows[j] << entryBits) | (uint)k;
                }
            }
            else if (seg.PositionStart < 0)
            {
                var rows = seg.Indices.AsSpan()[..seg.Count];
                for (var j = 0; j < rows.Length; j++, k++)
                {
                    keys[k] = ((ulong)rows[j] << entryBits) | (uint)k;
                }
            }
            else
            {
                var rows = seg.Indices.AsSpan();
                var p = _positions.AsSpan(seg.PositionStart, seg.Count);
                for (var j = 0; j < p.Length; j++, k++)
                {
                    keys[k] = ((ulong)rows[p[j]] << entryBits) | (uint)k;
                }
            }
        }

        // torch's coalesce() order: its sort(0) of the rows, i.e. libstdc++'s std::sort (LibstdcxxSort) on (row, entry).
        if (_sortRows.Length < n)
        {
            _sortRows = new long[_sortKeys.Length];
            _sortEntries = new int[_sortKeys.Length];
        }

        var sortRows = _sortRows.AsSpan(0, n);
        var sortEntries = _sortEntries.AsSpan(0, n);
        for (var i = 0; i < n; i++)
        {
            sortRows[i] = (long)(keys[i] >> entryBits);
            sortEntries[i] = i;
        }

        LibstdcxxSort.Sort(sortRows, sortEntries);
        for (var i = 0; i < n; i++)
        {
            keys[i] = ((ulong)sortRows[i] << entryBits) | (uint)sortEntries[i];
        }

        var from = keys;
        sorted = _sortKeys;
        var groups = 1;
        for (var i = 1; i < n; i++)
        {
            if ((from[i] >> entryBits) != (from[i - 1] >> entryBits))
            {
                groups++;
            }
        }

        return groups;
    }

    private static int Bits(ulong x) => x == 0 ? 0 : 64 - System.Numerics.BitOperations.LeadingZeroCount(x);
}

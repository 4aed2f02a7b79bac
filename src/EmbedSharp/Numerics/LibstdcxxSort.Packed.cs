using System.Runtime.CompilerServices;

namespace EmbedSharp.Numerics;

/// <content>The fast path of <see cref="Sort"/>: the same algorithm on packed (key, payload) words, its first partition
/// levels split over the cores; the same moves, so the same permutation, as <see cref="SortGeneric"/>.</content>
internal static unsafe partial class LibstdcxxSort
{
    /// <summary>From this length on, the sort splits its work over the cores (see <see cref="SortPacked"/>).</summary>
    private const int ParallelThreshold = 1 << 15;

    /// <summary>Most independent ranges the parallel sort creates before sorting them on the cores.</summary>
    private const int MaxRanges = 16;

    /// <summary>
    /// The same algorithm on one array of packed pairs (key biased to unsigned in the high 32 bits, payload in the low
    /// 32; compared on the high half only, so ties behave as in the pair version): one move per swap instead of two.
    /// </summary>
    /// <remarks>
    /// Parallel without changing the result: after a partition step every element left of the cut is ≤ the pivot ≤
    /// every element right of it, and libstdc++ treats the two sides independently (the right side recursively, the
    /// left in its loop, both with the same decremented depth). Its final insertion sort moves an element left only past
    /// strictly greater ones, so it never crosses a cut either. Hence the first few partition levels are run here
    /// (each level's ranges on the cores), and every resulting range is then finished — introsort loop plus insertion
    /// sort — on its own, in any order, on any core: the same moves as the sequential sort.
    /// </remarks>
    private static void SortPacked(Span<long> keys, Span<int> payload)
    {
        var n = keys.Length;
        var buffer = System.Buffers.ArrayPool<ulong>.Shared.Rent(n);
        try
        {
            for (var i = 0; i < n; i++)
            {
                buffer[i] = ((ulong)((uint)(int)keys[i] ^ 0x8000_0000u) << 32) | (uint)payload[i];
            }

            fixed (ulong* a = buffer)
            {
                var depth = 2 * (31 - int.LeadingZeroCount(n));
                if (n < ParallelThreshold || WorkSplit.MaxParts == 1)
                {
                    FinishRange(a, 0, n, depth);
                }
                else
                {
                    SortParallel(a, n, depth);
                }
            }

            for (var i = 0; i < n; i++)
            {
                var x = buffer[i];
                keys[i] = (int)((uint)(x >> 32) ^ 0x8000_0000u);
                payload[i] = (int)(uint)x;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<ulong>.Shared.Return(buffer);
        }
    }

    private struct PackedRange
    {
        public int First;
        public int Last;
        public int Depth;
    }

    private struct SplitWork
    {
        public ulong* Data;
        public PackedRange* From;
        public PackedRange* To;
    }

    private static void SortParallel(ulong* a, int n, int depth)
    {
        var ranges = stackalloc PackedRange[MaxRanges];
        var next = stackalloc PackedRange[MaxRanges];
        ranges[0] = new PackedRange { First = 0, Last = n, Depth = depth };
        var count = 1;
        // Level by level: each range larger than a core's fair share is cut once (its partition step), the levels'
        // ranges in parallel. Ranges at the insertion threshold or the depth limit are passed on uncut.
        while (count * 2 <= MaxRanges)
        {
            var work = new SplitWork { Data = a, From = ranges, To = next };
            WorkSplit.Run(&SplitPart, &work, count);
            var kept = 0;
            for (var r = 0; r < 2 * count; r++)
            {
                if (next[r].Last >= 0)
                {
                    ranges[kept++] = next[r];
                }
            }

            var grew = kept > count;
            count = kept;
            if (!grew || count >= 4 * WorkSplit.MaxParts)
            {
                break;
            }
        }

        var finish = new SplitWork { Data = a, From = ranges };
        WorkSplit.Run(&FinishPart, &finish, count);
    }

    private static void SplitPart(void* context, int part, int parts)
    {
        ref var work = ref *(SplitWork*)context;
        var range = work.From[part];
        var left = &work.To[2 * part];
        var right = &work.To[(2 * part) + 1];
        if (range.Last - range.First <= Threshold || range.Depth == 0)
        {
            *left = range;
            *right = new PackedRange { First = -1, Last = -1 };
            return;
        }

        var cut = PartitionStep(work.Data, range.First, range.Last);
        *left = new PackedRange { First = range.First, Last = cut, Depth = range.Depth - 1 };
        *right = new PackedRange { First = cut, Last = range.Last, Depth = range.Depth - 1 };
    }

    private static void FinishPart(void* context, int part, int parts)
    {
        ref var work = ref *(SplitWork*)context;
        var range = work.From[part];
        FinishRange(work.Data, range.First, range.Last, range.Depth);
    }

    /// <summary>Introsort loop on [first, last) then its insertion sort: what libstdc++ does to this range.</summary>
    private static void FinishRange(ulong* a, int first, int last, int depth)
    {
        IntroLoopPacked(a, first, last, depth);
        for (var i = first + 1; i < last; i++)
        {
            var v = a[i];
            var key = v >> 32;
            var j = i;
            while (j > first && key < (a[j - 1] >> 32))
            {
                a[j] = a[j - 1];
                j--;
            }

            a[j] = v;
        }
    }

    private static void IntroLoopPacked(ulong* a, int first, int last, int depth)
    {
        while (last - first > Threshold)
        {
            if (depth == 0)
            {
                HeapSortPacked(a, first, last);
                return;
            }

            depth--;
            var cut = PartitionStep(a, first, last);
            IntroLoopPacked(a, cut, last, depth);
            last = cut;
        }
    }

    /// <summary>Median of three to the front, then the unguarded partition around it; returns the cut.</summary>
    private static int PartitionStep(ulong* a, int first, int last)
    {
        var mid = first + ((last - first) / 2);
        MoveMedianToFirstPacked(a, first, first + 1, mid, last - 1);
        var pivot = a[first] >> 32;
        var lo = first + 1;
        var hi = last;
        if (last - first >= 2 * Block)
        {
            BlockSwaps(a, pivot, ref lo, ref hi);
        }

        while (true)
        {
            while ((a[lo] >> 32) < pivot)
            {
                lo++;
            }

            hi--;
            while (pivot < (a[hi] >> 32))
            {
                hi--;
            }

            if (!(lo < hi))
            {
                return lo;
            }

            (a[lo], a[hi]) = (a[hi], a[lo]);
            lo++;
        }
    }

    /// <summary>Elements a block of <see cref="BlockSwaps"/> classifies at once (64 and 128 measured alike).</summary>
    private const int Block = 64;

    /// <summary>
    /// The swaps of the unguarded partition below, found without data-dependent branches (as in BlockQuicksort). Its
    /// k-th swap exchanges the k-th element from the left whose key is not below the pivot with the k-th element from
    /// the right whose key is not above it, as long as the first lies left of the second; elements between the two
    /// scans are still untouched, so these positions can be read off the original values. Here whole blocks of 64 are
    /// classified from both ends (each stores every offset and advances its count by the comparison) and the pairs
    /// are swapped in order, while the unclassified middle holds a block. Returns the scan state the loop below would
    /// have after the same swaps (<paramref name="lo"/> past the last left element, <paramref name="hi"/> at the last
    /// right one), so the loop finishes the partition, including its stopping point, exactly as before.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlockSwaps(ulong* a, ulong pivot, ref int lo, ref int hi)
    {
        var offL = stackalloc byte[Block];
        var offR = stackalloc byte[Block];
        int nL = 0, sL = 0, nR = 0, sR = 0;
        int left = lo, right = hi; // the unclassified elements are [left, right)
        int blockL = 0, blockR = 0;
        int lastL = -1, lastR = -1;
        var p = (long)pivot;
        while (true)
        {
            if (nL == 0)
            {
                if (right - left < Block)
                {
                    break;
                }

                sL = 0;
                blockL = left;
                for (var i = 0; i < Block; i++)
                {
                    offL[nL] = (byte)i;
                    nL += (int)((ulong)~((long)(a[left + i] >> 32) - p) >> 63); // key >= pivot
                }

                left += Block;
            }

            if (nR == 0)
            {
                if (right - left < Block)
                {
                    break;
                }

                sR = 0;
                blockR = right - 1;
                for (var i = 0; i < Block; i++)
                {
                    offR[nR] = (byte)i;
                    nR += (int)((ulong)~(p - (long)(a[right - 1 - i] >> 32)) >> 63); // key <= pivot
                }

                right -= Block;
            }

            var num = Math.Min(nL, nR);
            for (var j = 0; j < num; j++)
            {
                var l = blockL + offL[sL + j];
                var r = blockR - offR[sR + j];
                (a[l], a[r]) = (a[r], a[l]);
            }

            if (num > 0)
            {
                lastL = blockL + offL[sL + num - 1];
                lastR = blockR - offR[sR + num - 1];
            }

            nL -= num;
            sL += num;
            nR -= num;
            sR += num;
        }

        if (lastL >= 0)
        {
            lo = lastL + 1;
            hi = lastR;
        }
    }

    private static void MoveMedianToFirstPacked(ulong* a, int result, int x, int y, int z)
    {
        ulong ka = a[x] >> 32, kb = a[y] >> 32, kc = a[z] >> 32;
        int pick;
        if (ka < kb)
        {
            pick = kb < kc ? y : ka < kc ? z : x;
        }
        else
        {
            pick = ka < kc ? x : kb < kc ? z : y;
        }

        (a[result], a[pick]) = (a[pick], a[result]);
    }

    private static void HeapSortPacked(ulong* a, int first, int last)
    {
        var n = last - first;
        var h = a + first;
        if (n >= 2)
        {
            for (var parent = (n - 2) / 2; ; parent--)
            {
                AdjustHeapPacked(h, parent, n, h[parent]);
                if (parent == 0)
                {
                    break;
                }
            }
        }

        while (n > 1)
        {
            n--;
            var v = h[n];
            h[n] = h[0];
            AdjustHeapPacked(h, 0, n, v);
        }
    }

    private static void AdjustHeapPacked(ulong* h, int hole, int length, ulong value)
    {
        var top = hole;
        var second = hole;
        while (second < (length - 1) / 2)
        {
            second = 2 * (second + 1);
            if ((h[second] >> 32) < (h[second - 1] >> 32))
            {
                second--;
            }

            h[hole] = h[second];
            hole = second;
        }

        if ((length & 1) == 0 && second == (length - 2) / 2)
        {
            second = 2 * (second + 1);
            h[hole] = h[second - 1];
            hole = second - 1;
        }

        var key = value >> 32;
        var parent = (hole - 1) / 2;
        while (hole > top && (h[parent] >> 32) < key)
        {
            h[hole] = h[parent];
            hole = parent;
            parent = (hole - 1) / 2;
        }

        h[hole] = value;
    }
}

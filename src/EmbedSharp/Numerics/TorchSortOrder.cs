namespace EmbedSharp.Numerics;

/// <summary>
/// The order PyTorch's CPU <c>sort(dim, stable=False)</c> leaves equal keys in: libstdc++'s <c>std::sort</c> (GCC 12,
/// the compiler of Debian's and the official Linux builds), step for step. It is an introsort: while a range holds more
/// than 16 items, the median of its second, middle and last items (moved to its front) pivots an unguarded Hoare
/// partition, and the right part recurses; after 2·⌊log₂ n⌋ levels a range is heap-sorted instead; a final insertion
/// sort (stable) finishes. Equal keys therefore keep input order only in arrays of at most 16 items.
/// </summary>
/// <remarks>torch's <c>coalesce()</c> sorts the row indices this way and sums each row's duplicates in the resulting
/// order, so bit-exact sparse optimisers need it (checked against torch 1.13's permutations: tests/data/optim/sort.json).
/// Written by hand because no .NET sort reproduces it (<see cref="MemoryExtensions.Sort{T}(Span{T})"/> is an introsort
/// with other thresholds and pivots).</remarks>
internal static class TorchSortOrder
{
    private const int Threshold = 16;

    /// <summary>Sorts <paramref name="items"/> ascending by <c>item &gt;&gt; shift</c> only (the low bits ride along, e.g.
    /// an entry number), leaving equal keys in libstdc++'s order.</summary>
    public static void Sort(Span<ulong> items, int shift)
    {
        var n = items.Length;
        if (n < 2)
        {
            return;
        }

        IntroLoop(items, 0, n, 2 * (63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)n)), shift);
        if (n > Threshold)
        {
            InsertionSort(items, 0, Threshold, shift);
            for (var i = Threshold; i < n; i++)
            {
                LinearInsert(items, i, shift);
            }
        }
        else
        {
            InsertionSort(items, 0, n, shift);
        }
    }

    private static bool Less(ulong a, ulong b, int shift) => (a >> shift) < (b >> shift);

    private static void IntroLoop(Span<ulong> s, int first, int last, int depth, int shift)
    {
        while (last - first > Threshold)
        {
            if (depth == 0)
            {
                HeapSort(s, first, last, shift);
                return;
            }

            depth--;
            MoveMedianToFirst(s, first, first + 1, first + ((last - first) / 2), last - 1, shift);
            var cut = Partition(s, first + 1, last, first, shift);
            IntroLoop(s, cut, last, depth, shift);
            last = cut;
        }
    }

    private static void MoveMedianToFirst(Span<ulong> s, int result, int a, int b, int c, int shift)
    {
        int median;
        if (Less(s[a], s[b], shift))
        {
            median = Less(s[b], s[c], shift) ? b : Less(s[a], s[c], shift) ? c : a;
        }
        else
        {
            median = Less(s[a], s[c], shift) ? a : Less(s[b], s[c], shift) ? c : b;
        }

        (s[result], s[median]) = (s[median], s[result]);
    }

    private static int Partition(Span<ulong> s, int first, int last, int pivot, int shift)
    {
        while (true)
        {
            while (Less(s[first], s[pivot], shift))
            {
                first++;
            }

            last--;
            while (Less(s[pivot], s[last], shift))
            {
                last--;
            }

            if (first >= last)
            {
                return first;
            }

            (s[first], s[last]) = (s[last], s[first]);
            first++;
        }
    }

    private static void InsertionSort(Span<ulong> s, int first, int last, int shift)
    {
        for (var i = first + 1; i < last; i++)
        {
            if (Less(s[i], s[first], shift))
            {
                var value = s[i];
                s[first..i].CopyTo(s[(first + 1)..]);
                s[first] = value;
            }
            else
            {
                LinearInsert(s, i, shift);
            }
        }
    }

    private static void LinearInsert(Span<ulong> s, int last, int shift)
    {
        var value = s[last];
        var next = last - 1;
        while (Less(value, s[next], shift))
        {
            s[last] = s[next];
            last = next;
            next--;
        }

        s[last] = value;
    }

    // std::__partial_sort(first, last, last): make_heap, then pop every item.
    private static void HeapSort(Span<ulong> s, int first, int last, int shift)
    {
        var heap = s[first..last];
        var length = heap.Length;
        for (var parent = (length - 2) / 2; parent >= 0; parent--)
        {
            AdjustHeap(heap, parent, length, heap[parent], shift);
        }

        for (var end = length - 1; end > 0; end--)
        {
            var value = heap[end];
            heap[end] = heap[0];
            AdjustHeap(heap, 0, end, value, shift);
        }
    }

    private static void AdjustHeap(Span<ulong> h, int hole, int length, ulong value, int shift)
    {
        var top = hole;
        var child = hole;
        while (child < (length - 1) / 2)
        {
            child = 2 * (child + 1);
            if (Less(h[child], h[child - 1], shift))
            {
                child--;
            }

            h[hole] = h[child];
            hole = child;
        }

        if ((length & 1) == 0 && child == (length - 2) / 2)
        {
            child = 2 * (child + 1);
            h[hole] = h[child - 1];
            hole = child - 1;
        }

        // std::__push_heap
        var parent = (hole - 1) / 2;
        while (hole > top && Less(h[parent], value, shift))
        {
            h[hole] = h[parent];
            hole = parent;
            parent = (hole - 1) / 2;
        }

        h[hole] = value;
    }
}

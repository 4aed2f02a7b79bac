
namespace EmbedSharp.Numerics;

/// <summary>
/// A step-for-step reimplementation of libstdc++'s (GCC 12) unstable <c>std::sort</c> — introsort with
/// median-of-three pivot, unguarded partition, heap-sort fallback at depth 2·⌊log2 n⌋, and a final insertion sort
/// with threshold 16 — on (key, payload) pairs compared by key only. PyTorch 1.13's CPU <c>FloatTensor.sort()</c>
/// (stable=False) runs exactly this, so equal keys end up in the same (input-dependent) order, which fixes the
/// summation order of EmbeddingBag's dense backward. Checked against <c>torch.sort</c> on random inputs of 0–400
/// elements with many duplicates (tools/goldens/make_embedding.py cases "many duplicates").
/// </summary>
internal static unsafe partial class LibstdcxxSort
{
    private const int Threshold = 16;

    /// <summary>Sorts <paramref name="keys"/> ascending and applies the same permutation to <paramref name="payload"/>,
    /// exactly as libstdc++'s <c>std::sort</c> on (key, payload) pairs compared by key.</summary>
    public static void Sort(Span<long> keys, Span<int> payload)
    {
        if (keys.Length != payload.Length)
        {
            throw new ArgumentException($"{keys.Length} keys but {payload.Length} payload values.", nameof(payload));
        }

        if (keys.Length > Threshold && FitInInt32(keys))
        {
            SortPacked(keys, payload);
            return;
        }

        SortGeneric(keys, payload);
    }

    /// <summary>The plain step-for-step version on two spans (any 64-bit keys); the reference for the packed one.</summary>
    internal static void SortGeneric(Span<long> keys, Span<int> payload)
    {
        var n = keys.Length;
        if (n < 2)
        {
            return;
        }

        IntroLoop(keys, payload, 0, n, 2 * (31 - int.LeadingZeroCount(n)));
        if (n > Threshold)
        {
            InsertionSort(keys, payload, 0, Threshold);
            for (var i = Threshold; i < n; i++)
            {
                UnguardedLinearInsert(keys, payload, i);
            }
        }
        else
        {
            InsertionSort(keys, payload, 0, n);
        }
    }

    private static bool FitInInt32(ReadOnlySpan<long> keys)
    {
        foreach (var k in keys)
        {
            if (k != (int)k)
            {
                return false;
            }
        }

        return true;
    }

    private static void IntroLoop(Span<long> k, Span<int> p, int first, int last, int depth)
    {
        while (last - first > Threshold)
        {
            if (depth == 0)
            {
                HeapSort(k, p, first, last);
                return;
            }

            depth--;
            var mid = first + ((last - first) / 2);
            MoveMedianToFirst(k, p, first, first + 1, mid, last - 1);
            var cut = UnguardedPartition(k, p, first + 1, last, first);
            IntroLoop(k, p, cut, last, depth);
            last = cut;
        }
    }

    private static void Swap(Span<long> k, Span<int> p, int a, int b)
    {
        (k[a], k[b]) = (k[b], k[a]);
        (p[a], p[b]) = (p[b], p[a]);
    }

    private static void MoveMedianToFirst(Span<long> k, Span<int> p, int result, int a, int b, int c)
    {
        if (k[a] < k[b])
        {
            if (k[b] < k[c])
            {
                Swap(k, p, result, b);
            }
            else if (k[a] < k[c])
            {
                Swap(k, p, result, c);
            }
            else
            {
                Swap(k, p, result, a);
            }
        }
        else if (k[a] < k[c])
        {
            Swap(k, p, result, a);
        }
        else if (k[b] < k[c])
        {
            Swap(k, p, result, c);
        }
        else
        {
            Swap(k, p, result, b);
        }
    }

    private static int UnguardedPartition(Span<long> k, Span<int> p, int first, int last, int pivot)
    {
        while (true)
        {
            while (k[first] < k[pivot])
            {
                first++;
            }

            last--;
            while (k[pivot] < k[last])
            {
                last--;
            }

            if (!(first < last))
            {
                return first;
            }

            Swap(k, p, first, last);
            first++;
        }
    }

    private static void InsertionSort(Span<long> k, Span<int> p, int first, int last)
    {
        for (var i = first + 1; i < last; i++)
        {
            if (k[i] < k[first])
            {
                var vk = k[i];
                var vp = p[i];
                k.Slice(first, i - first).CopyTo(k[(first + 1)..]);
                p.Slice(first, i - first).CopyTo(p[(first + 1)..]);
                k[first] = vk;
                p[first] = vp;
            }
            else
            {
                UnguardedLinearInsert(k, p, i);
            }
        }
    }

    private static void UnguardedLinearInsert(Span<long> k, Span<int> p, int last)
    {
        var vk = k[last];
        var vp = p[last];
        var next = last - 1;
        while (vk < k[next])
        {
            k[last] = k[next];
            p[last] = p[next];
            last = next;
            next--;
        }

        k[last] = vk;
        p[last] = vp;
    }

    private static void HeapSort(Span<long> k, Span<int> p, int first, int last)
    {
        var n = last - first;
        if (n >= 2)
        {
            for (var parent = (n - 2) / 2; ; parent--)
            {
                AdjustHeap(k, p, first, parent, n, k[first + parent], p[first + parent]);
                if (parent == 0)
                {
                    break;
                }
            }
        }

        while (last - first > 1)
        {
            last--;
            var vk = k[last];
            var vp = p[last];
            k[last] = k[first];
            p[last] = p[first];
            AdjustHeap(k, p, first, 0, last - first, vk, vp);
        }
    }

    private static void AdjustHeap(Span<long> k, Span<int> p, int first, int hole, int length, long vk, int vp)
    {
        var top = hole;
        var second = hole;
        while (second < (length - 1) / 2)
        {
            second = 2 * (second + 1);
            if (k[first + second] < k[first + second - 1])
            {
                second--;
            }

            k[first + hole] = k[first + second];
            p[first + hole] = p[first + second];
            hole = second;
        }

        if ((length & 1) == 0 && second == (length - 2) / 2)
        {
            second = 2 * (second + 1);
            k[first + hole] = k[first + second - 1];
            p[first + hole] = p[first + second - 1];
            hole = second - 1;
        }

        var parent = (hole - 1) / 2;
        while (hole > top && k[first + parent] < vk)
        {
            k[first + hole] = k[first + parent];
            p[first + hole] = p[first + parent];
            hole = parent;
            parent = (hole - 1) / 2;
        }

        k[first + hole] = vk;
        p[first + hole] = vp;
    }
}

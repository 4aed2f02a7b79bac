using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EmbedSharp.Nn;
using EmbedSharp.Numerics;

#pragma warning disable CS8500 // context structs live on the caller's stack (which waits), so their references stay rooted

namespace EmbedSharp.Training.Optimizers;

/// <summary>
/// Sparse optimiser steps split over cores without changing a single result bit: the parts own disjoint ranges of
/// parameter rows (sparse SGD) or disjoint coalesced rows (SparseAdam), and each row gets exactly the serial sequence
/// of single-rounding float operations (SIMD lanes do the same operations as the scalar code).
/// </summary>
internal static unsafe class SparseKernels
{
    /// <summary>Floats of work below which a step stays on the calling thread.</summary>
    private const long MinFloatsPerPart = 1L << 15;

    private struct SgdWork
    {
        public Parameter Parameter;
        public SparseGradient Gradient;
        public float* Base;
        public float Alpha;
    }

    /// <summary>Sparse SGD without momentum: for each entry k in input order whose row is not frozen,
    /// <c>p[row] = fma(g_k, alpha, p[row])</c>. Parts own disjoint row ranges and each scans every entry in order, so a
    /// row's updates keep their input order whatever the number of parts.</summary>
    public static void SgdStep(Parameter parameter, SparseGradient gradient, float alpha)
    {
        var value = parameter.Value;
        var dim = gradient.RowLength;
        if (gradient.Count == 0 || dim == 0)
        {
            return;
        }

        fixed (float* table = value.IsSingleChunk ? value.AsSpan() : default)
        {
            var work = new SgdWork { Parameter = parameter, Gradient = gradient, Base = table, Alpha = alpha };
            WorkSplit.Run(&SgdPart, &work, WorkSplit.Parts((long)gradient.Count * dim, MinFloatsPerPart));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SgdPart(void* context, int part, int parts)
    {
        ref var w = ref Unsafe.AsRef<SgdWork>(context);
        var value = w.Parameter.Value;
        var frozen = w.Parameter.FrozenRows;
        var (lo, hi) = WorkSplit.Range(value.RowCount, part, parts);
        var dim = w.Gradient.RowLength;
        var cursor = new SparseGradient.Cursor(w.Gradient);
        var ahead = new SparseGradient.Cursor(w.Gradient); // prefetches the table rows a few entries ahead (random rows miss the cache)
        for (var a = 0; a < SgdPrefetchDistance && ahead.MoveNext(); a++)
        {
            PrefetchRow(ref w, ahead.Row, ahead.Value, lo, hi, dim);
        }

        while (cursor.MoveNext())
        {
            if (ahead.MoveNext())
            {
                PrefetchRow(ref w, ahead.Row, ahead.Value, lo, hi, dim);
            }

            var r = cursor.Row;
            if (r < lo || r >= hi || (!frozen.IsEmpty && frozen[(int)r]))
            {
                continue;
            }

            var row = w.Base != null ? new Span<float>(w.Base + (r * dim), dim) : value.Row(r);
            RowKernels.FmaRow(cursor.Value, w.Alpha, row);
        }
    }

    private const int SgdPrefetchDistance = 16;

    private static void PrefetchRow(ref SgdWork w, long row, Span<float> values, long lo, long hi, int dim)
    {
        if (w.Base != null && row >= lo && row < hi)
        {
            RowKernels.Prefetch(w.Base + (row * dim), dim);
            // The values may live in an unpinned array: a prefetch is only a hint, so an address the GC has since moved costs nothing.
            RowKernels.Prefetch((float*)Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(values)), dim);
        }
    }

    private struct MarkedSgdWork
    {
        public Parameter Parameter;
        public FloatTensor Grad;
        public RowMarks Marks;
        public float* Value;
        public float* GradBase;
        public float Alpha;
    }

    /// <summary>Dense SGD without momentum or weight decay over the rows a row-wise backward marked (every other
    /// gradient row is +0, which leaves its row exactly as it is): <c>p[r] = fma(g[r], alpha, p[r])</c> for each marked,
    /// non-frozen row r. Parts own disjoint row ranges; rows are prefetched a few marked rows ahead.</summary>
    public static void SgdMarkedRows(Parameter parameter, FloatTensor grad, RowMarks marks, float alpha)
    {
        var value = parameter.Value;
        var dim = (int)value.RowLength;
        if (dim == 0 || value.Length == 0)
        {
            return;
        }

        fixed (float* v = value.IsSingleChunk ? value.AsSpan() : default)
        fixed (float* g = grad.IsSingleChunk ? grad.AsSpan() : default)
        {
            var work = new MarkedSgdWork { Parameter = parameter, Grad = grad, Marks = marks, Value = v, GradBase = g, Alpha = alpha };
            WorkSplit.Run(&SgdMarkedPart, &work, WorkSplit.Parts(marks.Count() * dim, MinFloatsPerPart));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SgdMarkedPart(void* context, int part, int parts)
    {
        ref var w = ref Unsafe.AsRef<MarkedSgdWork>(context);
        var value = w.Parameter.Value;
        var frozen = w.Parameter.FrozenRows;
        var dim = (int)value.RowLength;
        var (lo, hi) = WorkSplit.Range(value.RowCount, part, parts);
        var rows = w.Marks.Marked(lo, hi);
        var ahead = w.Marks.Marked(lo, hi);
        var direct = w.Value != null && w.GradBase != null;
        for (var a = 0; a < SgdPrefetchDistance && ahead.MoveNext(out var next); a++)
        {
            PrefetchMarked(ref w, next, dim, direct);
        }

        while (rows.MoveNext(out var r))
        {
            if (ahead.MoveNext(out var next))
            {
                PrefetchMarked(ref w, next, dim, direct);
            }

            if (!frozen.IsEmpty && frozen[(int)r])
            {
                continue;
            }

            if (direct)
            {
                RowKernels.FmaRow(new ReadOnlySpan<float>(w.GradBase + (r * dim), dim), w.Alpha, new Span<float>(w.Value + (r * dim), dim));
            }
            else
            {
                RowKernels.FmaRow(w.Grad.Row(r), w.Alpha, value.Row(r));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchMarked(ref MarkedSgdWork w, long row, int dim, bool direct)
    {
        if (direct)
        {
            RowKernels.Prefetch(w.Value + (row * dim), dim);
            RowKernels.Prefetch(w.GradBase + (row * dim), dim);
        }
    }

    private struct AdamWork
    {
        public Parameter Parameter;
        public SparseGradient Gradient;
        public FloatTensor ExpAvg;
        public FloatTensor ExpAvgSq;
        public float* P;
        public float* M;
        public float* V;
        public ulong[] Sorted;
        public int[] Starts;
        public ulong EntryMask;
        public int Groups;
        public AdamScalars Scalars;
    }

    /// <summary>SparseAdam: the gradient is coalesced (rows ascending, duplicates summed in the order of torch's sort of
    /// the rows, as <see cref="SparseGradient.CoalesceInto"/>) and each distinct non-frozen row gets <see cref="Kernels.SparseAdamRow"/>'s update, fused into one pass per
    /// block of 8 floats (same operations in the same order, so the same bits); rows are split over cores.</summary>
    public static void SparseAdamStep(Parameter parameter, SparseGradient gradient, FloatTensor expAvg, FloatTensor expAvgSq, in AdamScalars scalars)
    {
        var dim = gradient.RowLength;
        var groups = gradient.SortByRow(out var sorted, out var starts, out var entryBits);
        if (groups == 0 || dim == 0)
        {
            return;
        }

        var value = parameter.Value;
        var single = value.IsSingleChunk && expAvg.IsSingleChunk && expAvgSq.IsSingleChunk;
        fixed (float* p = single ? value.AsSpan() : default)
        fixed (float* m = single ? expAvg.AsSpan() : default)
        fixed (float* v = single ? expAvgSq.AsSpan() : default)
        {
            var work = new AdamWork
            {
                Parameter = parameter,
                Gradient = gradient,
                ExpAvg = expAvg,
                ExpAvgSq = expAvgSq,
                P = p,
                M = m,
                V = v,
                Sorted = sorted,
                Starts = starts,
                EntryMask = (1UL << entryBits) - 1,
                Groups = groups,
                Scalars = scalars,
            };
            WorkSplit.Run(&AdamPart, &work, WorkSplit.Parts((long)gradient.Count * dim, MinFloatsPerPart));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AdamPart(void* context, int part, int parts)
    {
        ref var w = ref Unsafe.AsRef<AdamWork>(context);
        var (first, last) = WorkSplit.Range(w.Groups, part, parts);
        var dim = w.Gradient.RowLength;
        var frozen = w.Parameter.FrozenRows;
        var entryBits = System.Numerics.BitOperations.PopCount(w.EntryMask);
        Span<float> acc = stackalloc float[Kernels.Block];
        for (var g = (int)first; g < last; g++)
        {
            var s = w.Starts[g];
            var e = w.Starts[g + 1];
            var r = (long)(w.Sorted[s] >> entryBits);
            if (!frozen.IsEmpty && frozen[(int)r])
            {
                continue;
            }

            if (g + 2 < last && w.P != null)
            {
                var next = (long)(w.Sorted[w.Starts[g + 2]] >> entryBits);
                RowKernels.Prefetch(w.P + (next * dim), dim);
                RowKernels.Prefetch(w.M + (next * dim), dim);
                RowKernels.Prefetch(w.V + (next * dim), dim);
            }

            var p = w.P != null ? new Span<float>(w.P + (r * dim), dim) : w.Parameter.Value.Row(r);
            var m = w.M != null ? new Span<float>(w.M + (r * dim), dim) : w.ExpAvg.Row(r);
            var v = w.V != null ? new Span<float>(w.V + (r * dim), dim) : w.ExpAvgSq.Row(r);
            for (var o = 0; o < dim; o += Kernels.Block)
            {
                var n = Math.Min(Kernels.Block, dim - o);
                var a = acc[..n];
                w.Gradient.Value((int)(w.Sorted[s] & w.EntryMask)).Slice(o, n).CopyTo(a); // first + second + …
                for (var i = s + 1; i < e; i++)
                {
                    RowKernels.AddRow(w.Gradient.Value((int)(w.Sorted[i] & w.EntryMask)).Slice(o, n), a);
                }

                AdamBlock(p.Slice(o, n), a, m.Slice(o, n), v.Slice(o, n), w.Scalars);
            }
        }
    }

    /// <summary>One block of <see cref="Kernels.SparseAdamRow"/>, fused: per element, t = ±g; v += (t·t − v)·(1−β2);
    /// m += (t − m)·(1−β1); p += (m / (sqrt(v) + eps))·(−step), every operation rounded once, in that order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AdamBlock(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, in AdamScalars s)
    {
        var n = p.Length;
        var d = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var pr = ref MemoryMarshal.GetReference(p);
            ref var gr = ref MemoryMarshal.GetReference(g);
            ref var mr = ref MemoryMarshal.GetReference(m);
            ref var vr = ref MemoryMarshal.GetReference(v);
            var b1 = Vector256.Create(s.OneMinusBeta1);
            var b2 = Vector256.Create(s.OneMinusBeta2);
            var eps = Vector256.Create(s.Eps);
            var step = Vector256.Create(s.NegStepSize);
            for (; d + 8 <= n; d += 8)
            {
                var t = Vector256.LoadUnsafe(ref gr, (nuint)d);
                if (s.Maximize)
                {
                    t = -t;
                }

                var vv = Vector256.LoadUnsafe(ref vr, (nuint)d);
                var u = ((t * t) - vv) * b2;
                vv += u;
                vv.StoreUnsafe(ref vr, (nuint)d);
                var mm = Vector256.LoadUnsafe(ref mr, (nuint)d);
                mm += (t - mm) * b1;
                mm.StoreUnsafe(ref mr, (nuint)d);
                var q = (mm / (Vector256.Sqrt(vv) + eps)) * step;
                (Vector256.LoadUnsafe(ref pr, (nuint)d) + q).StoreUnsafe(ref pr, (nuint)d);
            }
        }

        for (; d < n; d++)
        {
            var t = s.Maximize ? -g[d] : g[d];
            var u = (t * t) - v[d];
            u *= s.OneMinusBeta2;
            v[d] += u;
            var c = t - m[d];
            c *= s.OneMinusBeta1;
            m[d] += c;
            var q = m[d] / (MathF.Sqrt(v[d]) + s.Eps);
            q *= s.NegStepSize;
            p[d] += q;
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EmbedSharp.Numerics;

/// <summary>
/// Row primitives shared by the embedding kernels, the sparse gradient and the sparse optimiser steps: a cache prefetch
/// of one row, a row copy (512-bit vectors where available), and the element-wise row updates (fma, multiply-add, add,
/// scale) with 256-bit SIMD. Element-wise SIMD is bit-identical to the scalar loops: each lane does the same
/// single-rounding operation.
/// </summary>
internal static unsafe class RowKernels
{
    /// <summary>Starts loading the <paramref name="floats"/> floats at <paramref name="p"/> into the cache: every 64-byte
    /// line they touch, counted from the line that holds the first float. FloatTensor storage is 64-byte aligned, so a 512-byte row
    /// spans 8 lines; a wrapped array need not be, and its rows then span 9 (prefetching only 8 left one miss per row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Prefetch(float* p, int floats)
    {
        if (Sse.IsSupported)
        {
            var end = (byte*)(p + floats);
            for (var q = (byte*)((nuint)p & ~(nuint)63); q < end; q += 64)
            {
                Sse.Prefetch0(q);
            }
        }
    }

    /// <summary>dst[0..n) = src[0..n) (distinct blocks), with vector loads and stores compiled into the calling kernel.
    /// Not <c>Span.CopyTo</c> in hot loops: that goes to CoreLib's <c>Memmove</c>, which runs in slower forms until the
    /// tiered JIT has optimised it, 0.2–0.3 s into a process; until then the embedding lookup (50k × 300 table, 4,096
    /// rows) took 0.21 ms instead of 0.07–0.10 ms (one process, 500-call windows; flat 0.10 ms from the first call with
    /// tiering off).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CopyRow(float* src, float* dst, int n)
    {
        var c = 0;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            for (; c <= n - 16; c += 16)
            {
                Vector512.Store(Vector512.Load(src + c), dst + c);
            }

            if (c < n)
            {
                Vector512.Store(Vector512.Load(src + n - 16), dst + n - 16); // the last 16, overlapping: a copy allows it
            }

            return;
        }

        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            for (; c <= n - 8; c += 8)
            {
                Vector256.Store(Vector256.Load(src + c), dst + c);
            }

            if (c < n)
            {
                Vector256.Store(Vector256.Load(src + n - 8), dst + n - 8);
            }

            return;
        }

        for (; c < n; c++)
        {
            dst[c] = src[c];
        }
    }

    /// <summary>acc[d] = fma(x[d], s, acc[d]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void FmaRow(ReadOnlySpan<float> x, float s, Span<float> acc)
    {
        var n = acc.Length;
        x = x[..n];
        var d = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256.Create(s);
            ref var xr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
            ref var ar = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(acc);
            for (; d + 8 <= n; d += 8)
            {
                var a = Vector256.LoadUnsafe(ref ar, (nuint)d);
                var v = Vector256.LoadUnsafe(ref xr, (nuint)d);
                Vector256.FusedMultiplyAdd(v, vs, a).StoreUnsafe(ref ar, (nuint)d);
            }
        }

        for (; d < n; d++)
        {
            acc[d] = MathF.FusedMultiplyAdd(x[d], s, acc[d]);
        }
    }

    /// <summary>acc[d] = acc[d] + round(x[d]·s) (no fma).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MulAddRow(ReadOnlySpan<float> x, float s, Span<float> acc)
    {
        var n = acc.Length;
        x = x[..n];
        var d = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256.Create(s);
            ref var xr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
            ref var ar = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(acc);
            for (; d + 8 <= n; d += 8)
            {
                var p = Vector256.LoadUnsafe(ref xr, (nuint)d) * vs;
                (Vector256.LoadUnsafe(ref ar, (nuint)d) + p).StoreUnsafe(ref ar, (nuint)d);
            }
        }

        for (; d < n; d++)
        {
            var p = x[d] * s;
            acc[d] += p;
        }
    }

    /// <summary>acc[d] += x[d].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddRow(ReadOnlySpan<float> x, Span<float> acc)
    {
        var n = acc.Length;
        x = x[..n];
        var d = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var xr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
            ref var ar = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(acc);
            for (; d + 8 <= n; d += 8)
            {
                (Vector256.LoadUnsafe(ref ar, (nuint)d) + Vector256.LoadUnsafe(ref xr, (nuint)d)).StoreUnsafe(ref ar, (nuint)d);
            }
        }

        for (; d < n; d++)
        {
            acc[d] += x[d];
        }
    }

    /// <summary>destination[d] = x[d]·s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ScaleInto(ReadOnlySpan<float> x, float s, Span<float> destination)
    {
        System.Numerics.Tensors.TensorPrimitives.Multiply(x[..destination.Length], s, destination);
    }
}

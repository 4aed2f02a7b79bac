using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EmbedSharp.Randomness;

/// <content>The vectorised fill kernel: eight Philox blocks per step (AVX2 or portable lanes) turned into 32 floats by
/// the uniform, normal (Box–Muller) or raw-bits word mapping.</content>
public sealed partial class PhiloxGenerator
{
    private const int GroupElements = 32; // 8 blocks × 4 words: one Vector256 per word index
    private const float Two24Inverse = 1.0f / (1 << 24);
    private const float TwoPi = 6.2831855f; // (float)(2π)

    /// <summary>Writes stream positions start … start + n − 1 into <paramref name="destination"/> (n = its length) in
    /// groups of 32 positions (8 blocks) aligned to multiples of 4; a partial first or last group goes through a
    /// stack buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    private static void FillRange<TLanes, TWords>(Span<float> destination, ulong start, uint k0, uint k1, TWords words)
        where TLanes : struct, IPhiloxLanes
        where TWords : struct, IWordsToFloats
    {
        var n = destination.Length;
        if (n == 0)
        {
            return;
        }

        Span<float> buffer = stackalloc float[GroupElements];
        var pos = 0;
        var skip = (int)(start & 3);
        if (skip != 0)
        {
            Group<TLanes, TWords>(start >> 2, k0, k1, ref words, ref MemoryMarshal.GetReference(buffer));
            pos = Math.Min(GroupElements - skip, n);
            buffer.Slice(skip, pos).CopyTo(destination);
        }

        ref var d = ref MemoryMarshal.GetReference(destination);
        for (; pos <= n - GroupElements; pos += GroupElements)
        {
            Group<TLanes, TWords>(unchecked(start + (ulong)pos) >> 2, k0, k1, ref words, ref Unsafe.Add(ref d, pos));
        }

        if (pos < n)
        {
            Group<TLanes, TWords>(unchecked(start + (ulong)pos) >> 2, k0, k1, ref words, ref MemoryMarshal.GetReference(buffer));
            buffer[..(n - pos)].CopyTo(destination[pos..]);
        }
    }

    /// <summary>Eight blocks with counters counter … counter + 7 (mod 2^62, the range of ⌊g/4⌋), converted and
    /// written as 32 consecutive stream positions: destination[4j + w] = word w of block j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Group<TLanes, TWords>(ulong counter, uint k0, uint k1, ref TWords words, ref float destination)
        where TLanes : struct, IPhiloxLanes
        where TWords : struct, IWordsToFloats
    {
        var low = Vector256.Create((uint)counter);
        var x0 = low + Vector256<uint>.Indices;
        var carry = Vector256.LessThan(x0, low); // all ones where the low word wrapped
        var x1 = (Vector256.Create((uint)(counter >> 32)) - carry) & Vector256.Create(0x3FFFFFFFu);
        var x2 = Vector256<uint>.Zero;
        var x3 = Vector256<uint>.Zero;
        TLanes.Philox(ref x0, ref x1, ref x2, ref x3, k0, k1);
        words.Convert(x0, x1, x2, x3, out var f0, out var f1, out var f2, out var f3);
        TLanes.Store(f0, f1, f2, f3, ref destination);
    }

    /// <summary>The lane-level operations that have an AVX2 form and a portable form.</summary>
    private interface IPhiloxLanes
    {
        /// <summary>Philox4x32-10 on 8 blocks at once: lane j of x_w holds word w of block j's counter on entry and
        /// of its output on return.</summary>
        static abstract void Philox(ref Vector256<uint> x0, ref Vector256<uint> x1, ref Vector256<uint> x2, ref Vector256<uint> x3, uint k0, uint k1);

        /// <summary>Stores the 4 × 8 matrix (f_w lane j) transposed: destination[4j + w] = f_w[j].</summary>
        static abstract void Store(Vector256<float> f0, Vector256<float> f1, Vector256<float> f2, Vector256<float> f3, ref float destination);
    }

    /// <summary>
    /// The 8 blocks run as two sets of 4 (even and odd lanes), each word in the low half of a 64-bit lane, so one
    /// vpmuludq gives four full 32×32→64 products: lo is the product's low half in place and hi is one shift away.
    /// High halves of the lanes carry garbage that vpmuludq, the shift and the final blend all ignore.
    /// Transpose: unpacks and vperm2f128.
    /// </summary>
    private readonly struct Avx2Lanes : IPhiloxLanes
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Philox(ref Vector256<uint> x0, ref Vector256<uint> x1, ref Vector256<uint> x2, ref Vector256<uint> x3, uint k0, uint k1)
        {
            Vector256<ulong> e0 = x0.AsUInt64(), e1 = x1.AsUInt64(), e2 = x2.AsUInt64(), e3 = x3.AsUInt64();
            var o0 = Avx2.ShiftRightLogical(e0, 32);
            var o1 = Avx2.ShiftRightLogical(e1, 32);
            var o2 = Avx2.ShiftRightLogical(e2, 32);
            var o3 = Avx2.ShiftRightLogical(e3, 32);
            var key0 = Vector256.Create((ulong)k0);
            var key1 = Vector256.Create((ulong)k1);
            var w0 = Vector256.Create((ulong)W0);
            var w1 = Vector256.Create((ulong)W1);
            // Unrolled by hand: with a loop the JIT copies all eight state registers every round.
            Round(ref e0, ref e1, ref e2, ref e3, ref o0, ref o1, ref o2, ref o3, key0, key1);
            Round(ref e0, ref e1, ref e2, ref e3, ref o0, ref o1, ref o2, ref o3, key0 += w0, key1 += w1);
            Round(ref e0, ref e1, ref e2, ref e3, ref o0, ref o1, ref o2, ref o3, key0 += w0, key1 += w1);
            Round(ref e0, ref e1, ref e2, ref e3, ref o0, ref o1, ref o2, ref o3, key0 += w0, key1 += w1);
            Round(ref e0, ref e1, ref e2, ref e3, ref o0, ref o1, ref o2, ref o3, key0 += w0, key1 += w1);
            Round(ref e0, ref e1, ref e2, ref e3, ref o0, ref o1, ref o2, ref o3, key0 += w0, key1 += w1);
            Round(ref e0, ref e1, ref e2, ref e3, ref o0, ref o1, ref o2, ref o3, key0 += w0, key1 += w1);
            Round(ref e0, ref e1, ref e2, ref e3, ref o0, ref o1, ref o2, ref o3, key0 += w0, key1 += w1);
            Round(ref e0, ref e1, ref e2, ref e3, ref o0, ref o1, ref o2, ref o3, key0 += w0, key1 += w1);
            Round(ref e0, ref e1, ref e2, ref e3, ref o0, ref o1, ref o2, ref o3, key0 += w0, key1 += w1);

            x0 = Avx2.Blend(e0.AsUInt32(), Avx2.ShiftLeftLogical(o0, 32).AsUInt32(), 0b10101010);
            x1 = Avx2.Blend(e1.AsUInt32(), Avx2.ShiftLeftLogical(o1, 32).AsUInt32(), 0b10101010);
            x2 = Avx2.Blend(e2.AsUInt32(), Avx2.ShiftLeftLogical(o2, 32).AsUInt32(), 0b10101010);
            x3 = Avx2.Blend(e3.AsUInt32(), Avx2.ShiftLeftLogical(o3, 32).AsUInt32(), 0b10101010);
        }

        /// <summary>One round on the even (e) and odd (o) lane sets: c ← (hi(M1·c2) ⊕ c1 ⊕ k0, lo(M1·c2), hi(M0·c0) ⊕ c3 ⊕ k1, lo(M0·c0)).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Round(ref Vector256<ulong> e0, ref Vector256<ulong> e1, ref Vector256<ulong> e2, ref Vector256<ulong> e3,
            ref Vector256<ulong> o0, ref Vector256<ulong> o1, ref Vector256<ulong> o2, ref Vector256<ulong> o3,
            Vector256<ulong> key0, Vector256<ulong> key1)
        {
            var m0 = Vector256.Create((ulong)M0).AsUInt32();
            var m1 = Vector256.Create((ulong)M1).AsUInt32();
            var pe0 = Avx2.Multiply(e0.AsUInt32(), m0);
            var pe2 = Avx2.Multiply(e2.AsUInt32(), m1);
            var po0 = Avx2.Multiply(o0.AsUInt32(), m0);
            var po2 = Avx2.Multiply(o2.AsUInt32(), m1);
            e0 = Avx2.ShiftRightLogical(pe2, 32) ^ e1 ^ key0;
            e2 = Avx2.ShiftRightLogical(pe0, 32) ^ e3 ^ key1;
            o0 = Avx2.ShiftRightLogical(po2, 32) ^ o1 ^ key0;
            o2 = Avx2.ShiftRightLogical(po0, 32) ^ o3 ^ key1;
            e1 = pe2;
            e3 = pe0;
            o1 = po2;
            o3 = po0;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector256<float> f0, Vector256<float> f1, Vector256<float> f2, Vector256<float> f3, ref float destination)
        {
            // t0 = (f0[0] f1[0] f0[1] f1[1] | f0[4] f1[4] f0[5] f1[5]), and so on; then 64-bit unpacks give
            // block j in the low half and block j+4 in the high half; vperm2f128 puts consecutive blocks together.
            var t0 = Avx.UnpackLow(f0, f1).AsDouble();
            var t1 = Avx.UnpackHigh(f0, f1).AsDouble();
            var t2 = Avx.UnpackLow(f2, f3).AsDouble();
            var t3 = Avx.UnpackHigh(f2, f3).AsDouble();
            var b04 = Avx.UnpackLow(t0, t2).AsSingle();
            var b15 = Avx.UnpackHigh(t0, t2).AsSingle();
            var b26 = Avx.UnpackLow(t1, t3).AsSingle();
            var b37 = Avx.UnpackHigh(t1, t3).AsSingle();
            Avx.Permute2x128(b04, b15, 0x20).StoreUnsafe(ref destination);
            Avx.Permute2x128(b26, b37, 0x20).StoreUnsafe(ref destination, 8);
            Avx.Permute2x128(b04, b15, 0x31).StoreUnsafe(ref destination, 16);
            Avx.Permute2x128(b26, b37, 0x31).StoreUnsafe(ref destination, 24);
        }
    }

    /// <summary>The textbook round with 64-bit lane products through the portable <see cref="Vector256"/> API, and
    /// an element-wise transpose.</summary>
    private readonly struct PortableLanes : IPhiloxLanes
    {
        public static void Philox(ref Vector256<uint> x0, ref Vector256<uint> x1, ref Vector256<uint> x2, ref Vector256<uint> x3, uint k0, uint k1)
        {
            Vector256<uint> c0 = x0, c1 = x1, c2 = x2, c3 = x3;
            for (var r = 0; r < Rounds; r++)
            {
                var key0 = Vector256.Create(unchecked(k0 + ((uint)r * W0)));
                var key1 = Vector256.Create(unchecked(k1 + ((uint)r * W1)));
                MultiplyHighLow(c0, M0, out var lo0, out var hi0);
                MultiplyHighLow(c2, M1, out var lo1, out var hi1);
                c0 = hi1 ^ c1 ^ key0;
                c1 = lo1;
                c2 = hi0 ^ c3 ^ key1;
                c3 = lo0;
            }

            x0 = c0;
            x1 = c1;
            x2 = c2;
            x3 = c3;
        }

        public static void Store(Vector256<float> f0, Vector256<float> f1, Vector256<float> f2, Vector256<float> f3, ref float destination)
        {
            for (var j = 0; j < Vector256<float>.Count; j++)
            {
                Unsafe.Add(ref destination, 4 * j) = f0.GetElement(j);
                Unsafe.Add(ref destination, (4 * j) + 1) = f1.GetElement(j);
                Unsafe.Add(ref destination, (4 * j) + 2) = f2.GetElement(j);
                Unsafe.Add(ref destination, (4 * j) + 3) = f3.GetElement(j);
            }
        }

        private static void MultiplyHighLow(Vector256<uint> x, uint m, out Vector256<uint> lo, out Vector256<uint> hi)
        {
            var low32 = Vector256.Create(0xFFFFFFFFUL);
            var mv = Vector256.Create((ulong)m);
            var even = (x.AsUInt64() & low32) * mv;
            var odd = (x.AsUInt64() >> 32) * mv;
            lo = ((even & low32) | (odd << 32)).AsUInt32();
            hi = ((even >> 32) | (odd & ~low32)).AsUInt32();
        }
    }

    /// <summary>Turns the four word vectors of 8 blocks into four float vectors, lane by lane.</summary>
    private interface IWordsToFloats
    {
        void Convert(Vector256<uint> w0, Vector256<uint> w1, Vector256<uint> w2, Vector256<uint> w3,
            out Vector256<float> f0, out Vector256<float> f1, out Vector256<float> f2, out Vector256<float> f3);
    }

    /// <summary>The raw words, reinterpreted (not converted) as floats so they share the float store path.</summary>
    private readonly struct BitsWords : IWordsToFloats
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Convert(Vector256<uint> w0, Vector256<uint> w1, Vector256<uint> w2, Vector256<uint> w3,
            out Vector256<float> f0, out Vector256<float> f1, out Vector256<float> f2, out Vector256<float> f3)
        {
            f0 = w0.AsSingle();
            f1 = w1.AsSingle();
            f2 = w2.AsSingle();
            f3 = w3.AsSingle();
        }
    }

    /// <summary>fma((w ≫ 8)·2^−24, range, from).</summary>
    private readonly struct UniformWords(float from, float range) : IWordsToFloats
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Convert(Vector256<uint> w0, Vector256<uint> w1, Vector256<uint> w2, Vector256<uint> w3,
            out Vector256<float> f0, out Vector256<float> f1, out Vector256<float> f2, out Vector256<float> f3)
        {
            var fromV = Vector256.Create(from);
            var rangeV = Vector256.Create(range);
            f0 = Vector256.FusedMultiplyAdd(Unit(w0), rangeV, fromV);
            f1 = Vector256.FusedMultiplyAdd(Unit(w1), rangeV, fromV);
            f2 = Vector256.FusedMultiplyAdd(Unit(w2), rangeV, fromV);
            f3 = Vector256.FusedMultiplyAdd(Unit(w3), rangeV, fromV);
        }
    }

    /// <summary>Box–Muller on (w0, w1) and (w2, w3); see the class remarks.</summary>
    private readonly struct NormalWords(float mean, float std) : IWordsToFloats
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Convert(Vector256<uint> w0, Vector256<uint> w1, Vector256<uint> w2, Vector256<uint> w3,
            out Vector256<float> f0, out Vector256<float> f1, out Vector256<float> f2, out Vector256<float> f3)
        {
            var meanV = Vector256.Create(mean);
            var stdV = Vector256.Create(std);
            Pair(w0, w1, meanV, stdV, out f0, out f1);
            Pair(w2, w3, meanV, stdV, out f2, out f3);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Pair(Vector256<uint> a, Vector256<uint> b, Vector256<float> mean, Vector256<float> std,
            out Vector256<float> even, out Vector256<float> odd)
        {
            var u1 = Vector256.ConvertToSingle((a >> 8).AsInt32() + Vector256<int>.One) * Vector256.Create(Two24Inverse);
            var radius = Vector256.Sqrt(Vector256.Create(-2.0f) * NormalKernel.Log(u1));
            NormalKernel.SinCos(Vector256.Create(TwoPi) * Unit(b), out var sin, out var cos);
            even = Vector256.FusedMultiplyAdd(radius * cos, std, mean);
            odd = Vector256.FusedMultiplyAdd(radius * sin, std, mean);
        }
    }

    /// <summary>(w ≫ 8)·2^−24, exactly, in [0, 1 − 2^−24].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Unit(Vector256<uint> w) =>
        Vector256.ConvertToSingle((w >> 8).AsInt32()) * Vector256.Create(Two24Inverse);
}

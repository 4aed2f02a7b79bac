using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EmbedSharp.Numerics;

namespace EmbedSharp.Randomness;

/// <summary>
/// A counter-based generator for fast, thread-count-independent fills: Philox4x32-10 (Salmon, Moraes, Dror and
/// Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11; the Random123 library).
/// </summary>
/// <remarks>
/// <para><b>This is not PyTorch's CPU stream.</b> <c>torch.rand</c>/<c>uniform_</c>/<c>normal_</c> on the CPU use
/// MT19937 (see <see cref="Generator"/> and <see cref="Distributions"/>). PyTorch uses Philox only on CUDA, where the
/// value of an element depends on the launch's thread index, grid size and unrolling; this class follows none of
/// that. It exists to fill large tensors quickly on all cores with results that never depend on the thread count.</para>
/// <para><b>Block function.</b> Counter c = (c0, c1, c2, c3), key k = (k0, k1) = (low, high 32 bits of the seed).
/// Ten rounds of: (hi0, lo0) = M0·c0, (hi1, lo1) = M1·c2 (32×32→64-bit products),
/// c ← (hi1 ⊕ c1 ⊕ k0, lo1, hi0 ⊕ c3 ⊕ k1, lo0), then k ← (k0 + W0, k1 + W1) (mod 2^32) between rounds, with
/// M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85. Checked against the Random123
/// known-answer vectors.</para>
/// <para><b>Stream layout.</b> The stream is a sequence of 32-bit words indexed by a 64-bit position g. Word g is
/// word (g mod 4) of the block whose counter is (⌊g/4⌋ mod 2^32, ⌊g/4⌋ ≫ 32, 0, 0). Every fill writes element i of
/// its destination from position g = <see cref="Offset"/> + i (mod 2^64) and then advances <see cref="Offset"/> by
/// the element count, so a value depends only on (seed, g): never on the thread count, the chunking of a tensor,
/// or how a fill is split into calls (two consecutive fills equal one fill of the combined length). This is the
/// same role as the Philox offset of PyTorch's CUDA generator.</para>
/// <para><b>Uniform.</b> u = (w ≫ 8)·2^−24 ∈ [0, 1 − 2^−24] from the top 24 bits of word w (PyTorch's CPU kernel
/// takes the low 24 bits), value = fma(u, to − from, from) in float32, one rounding. The value lies in
/// [from, to); as with PyTorch's <c>uniform_</c>, rounding can return exactly <c>to</c> when |to| is large next to
/// to − from.</para>
/// <para><b>Normal.</b> Box–Muller on the word pairs (w0, w1) and (w2, w3) of one block, so an element needs only
/// its own block: for a pair (a, b), u1 = ((a ≫ 8) + 1)·2^−24 ∈ (0, 1] (never 0, so the log is finite),
/// u2 = (b ≫ 8)·2^−24, r = √(−2 ln u1), θ = 2π·u2; the even position of the pair gets fma(r·cos θ, std, mean) and the
/// odd one fma(r·sin θ, std, mean). ln, sin and cos are the Cephes float polynomials of <c>avx_mathfun.h</c>
/// (as in PyTorch's vectorised <c>normal_</c>). As with every 24-bit float Box–Muller, |z| ≤ √(48 ln 2) ≈ 5.77.</para>
/// <para><b>Threads.</b> FloatTensor fills split the work into blocks of <see cref="ParallelBlockElements"/> elements and
/// run them with <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/>; span fills run on the calling
/// thread and allocate nothing. An instance is not safe for concurrent calls (they would share
/// <see cref="Offset"/>); use one instance per thread, or one tensor fill that uses all cores.</para>
/// </remarks>
public sealed class PhiloxGenerator : IRandomSource
{
    /// <summary>Elements per parallel work item of a tensor fill (2^16); a multiple of 32 so items never split a
    /// group of eight Philox blocks.</summary>
    public const int ParallelBlockElements = 1 << 16;

    internal const uint M0 = 0xD2511F53u;
    internal const uint M1 = 0xCD9E8D57u;
    internal const uint W0 = 0x9E3779B9u;
    internal const uint W1 = 0xBB67AE85u;
    internal const int Rounds = 10;

    private const int GroupElements = 32; // 8 blocks × 4 words: one Vector256 per word index
    private const float Two24Inverse = 1.0f / (1 << 24);
    private const float TwoPi = 6.2831855f; // (float)(2π)

    private readonly uint _k0;
    private readonly uint _k1;
    private readonly int _maxDegreeOfParallelism = -1;

    /// <summary>Creates a generator for the stream of <paramref name="seed"/>, positioned at <paramref name="offset"/>.</summary>
    /// <param name="seed">The 64-bit Philox key: k0 = seed mod 2^32, k1 = seed ≫ 32.</param>
    /// <param name="offset">The stream position of the next element (<see cref="Offset"/>).</param>
    public PhiloxGenerator(ulong seed, ulong offset = 0)
    {
        Seed = seed;
        Offset = offset;
        _k0 = (uint)seed;
        _k1 = (uint)(seed >> 32);
    }

    /// <summary>The seed, used as the 64-bit Philox key.</summary>
    public ulong Seed { get; }

    /// <summary>The stream position of the next element: a fill of n elements uses positions Offset … Offset + n − 1
    /// (mod 2^64) and then adds n. Set it to replay or skip part of the stream.</summary>
    public ulong Offset { get; set; }

    /// <summary>The most threads a tensor fill uses; −1 (the default) lets the thread pool decide. Results are the
    /// same for every value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is 0 or less than −1.</exception>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        init
        {
            if (value == 0 || value < -1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), $"MaxDegreeOfParallelism must be -1 or positive; got {value}.");
            }

            _maxDegreeOfParallelism = value;
        }
    }

    /// <summary>Whether the 32×32→64-bit products and the 4×8 transpose use AVX2 instructions (the default when the
    /// CPU has them) or the portable <see cref="Vector256"/> fallback. Both give identical bits; tests force the
    /// fallback.</summary>
    internal bool UseAvx2 { get; init; } = Avx2.IsSupported;

    /// <summary>Fills <paramref name="destination"/> with raw 32-bit stream words: element i is word
    /// (g mod 4) of the block with counter ⌊g/4⌋, g = <see cref="Offset"/> + i. Advances <see cref="Offset"/>.</summary>
    public void Random(Span<uint> destination)
    {
        Fill(MemoryMarshal.Cast<uint, float>(destination), Offset, new BitsWords());
        Offset = unchecked(Offset + (ulong)destination.Length);
    }

    /// <summary>Fills <paramref name="destination"/> with U(from, to): fma((w ≫ 8)·2^−24, to − from, from) for the
    /// stream word w at position <see cref="Offset"/> + i. Advances <see cref="Offset"/>. Allocates nothing.
    /// torch (CPU, other stream): <c>uniform_(from, to)</c>.</summary>
    /// <exception cref="ArgumentException">from or to is not finite, from &gt; to, or to − from overflows.</exception>
    public void Uniform(Span<float> destination, float from = 0f, float to = 1f)
    {
        var words = CreateUniform(from, to);
        Fill(destination, Offset, words);
        Offset = unchecked(Offset + (ulong)destination.Length);
    }

    /// <summary>Fills <paramref name="destination"/> with N(mean, std²) by Box–Muller on word pairs of one block
    /// (see the class remarks). Advances <see cref="Offset"/>. Allocates nothing.
    /// torch (CPU, other stream): <c>normal_(mean, std)</c>.</summary>
    /// <exception cref="ArgumentException">mean or std is not finite, or std &lt; 0.</exception>
    public void Normal(Span<float> destination, float mean = 0f, float std = 1f)
    {
        var words = CreateNormal(mean, std);
        Fill(destination, Offset, words);
        Offset = unchecked(Offset + (ulong)destination.Length);
    }

    /// <summary>Fills a tensor with U(from, to), flat row-major element f taking stream position
    /// <see cref="Offset"/> + f, in parallel over blocks of <see cref="ParallelBlockElements"/>; the result is the
    /// same as <see cref="Uniform(Span{float}, float, float)"/> over the flat elements. Advances <see cref="Offset"/>
    /// by the element count. torch (CPU, other stream): <c>uniform_(from, to)</c>.</summary>
    /// <exception cref="ArgumentException">from or to is not finite, from &gt; to, or to − from overflows.</exception>
    public void Uniform(FloatTensor tensor, float from = 0f, float to = 1f)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        FillTensor(tensor, CreateUniform(from, to));
    }

    /// <summary>Fills a tensor with N(mean, std²), flat row-major element f taking stream position
    /// <see cref="Offset"/> + f, in parallel over blocks of <see cref="ParallelBlockElements"/>; the result is the
    /// same as <see cref="Normal(Span{float}, float, float)"/> over the flat elements. Advances <see cref="Offset"/>
    /// by the element count. torch (CPU, other stream): <c>normal_(mean, std)</c>.</summary>
    /// <exception cref="ArgumentException">mean or std is not finite, or std &lt; 0.</exception>
    public void Normal(FloatTensor tensor, float mean = 0f, float std = 1f)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        FillTensor(tensor, CreateNormal(mean, std));
    }

    /// <inheritdoc cref="IRandomSource.Uniform"/>
    void IRandomSource.Uniform(FloatTensor tensor, double from, double to) => Uniform(tensor, (float)from, (float)to);

    /// <inheritdoc cref="IRandomSource.Normal"/>
    void IRandomSource.Normal(FloatTensor tensor, double mean, double std) => Normal(tensor, (float)mean, (float)std);

    /// <summary>A random permutation of 0..n−1 (n = the destination's length) by the same forward Fisher–Yates
    /// shuffle as <c>torch.randperm</c>: swap r[i] with r[i + w_i mod (n − i)] for i = 0..n−2, w_i the next stream
    /// words. Advances <see cref="Offset"/> by n − 1. Allocates nothing.</summary>
    public void Randperm(Span<long> destination)
    {
        var n = destination.Length;
        for (var i = 0; i < n; i++)
        {
            destination[i] = i;
        }

        Span<uint> words = stackalloc uint[256];
        for (var i = 0; i < n - 1; i += words.Length)
        {
            var take = Math.Min(words.Length, n - 1 - i);
            Random(words[..take]);
            for (var k = 0; k < take; k++)
            {
                var z = (int)(words[k] % (uint)(n - i - k));
                (destination[i + k], destination[i + k + z]) = (destination[i + k + z], destination[i + k]);
            }
        }
    }

    /// <summary>One Philox4x32-10 block: <paramref name="output"/> = Philox(counter, key), all words as in Random123
    /// (counter word 0 first). Runs the same vector code as the fills, in lane 0.</summary>
    internal static void Block(ReadOnlySpan<uint> counter, uint key0, uint key1, Span<uint> output, bool useAvx2)
    {
        var x0 = Vector256.Create(counter[0]);
        var x1 = Vector256.Create(counter[1]);
        var x2 = Vector256.Create(counter[2]);
        var x3 = Vector256.Create(counter[3]);
        if (useAvx2)
        {
            Avx2Lanes.Philox(ref x0, ref x1, ref x2, ref x3, key0, key1);
        }
        else
        {
            PortableLanes.Philox(ref x0, ref x1, ref x2, ref x3, key0, key1);
        }

        output[0] = x0.ToScalar();
        output[1] = x1.ToScalar();
        output[2] = x2.ToScalar();
        output[3] = x3.ToScalar();
    }

    private static UniformWords CreateUniform(float from, float to)
    {
        if (!float.IsFinite(from) || !float.IsFinite(to) || from > to || !float.IsFinite(to - from))
        {
            throw new ArgumentException($"Uniform needs finite from <= to with a finite range; got from = {from}, to = {to}.");
        }

        return new UniformWords(from, to - from);
    }

    private static NormalWords CreateNormal(float mean, float std)
    {
        if (!float.IsFinite(mean) || !float.IsFinite(std) || std < 0)
        {
            throw new ArgumentException($"Normal needs a finite mean and a finite std >= 0; got mean = {mean}, std = {std}.");
        }

        return new NormalWords(mean, std);
    }

    private void Fill<TWords>(Span<float> destination, ulong start, TWords words)
        where TWords : struct, IWordsToFloats
    {
        if (UseAvx2)
        {
            FillRange<Avx2Lanes, TWords>(destination, start, _k0, _k1, words);
        }
        else
        {
            FillRange<PortableLanes, TWords>(destination, start, _k0, _k1, words);
        }
    }

    private void FillTensor<TWords>(FloatTensor tensor, TWords words)
        where TWords : struct, IWordsToFloats
    {
        var start = Offset;
        var chunkElements = tensor.ChunkElements;
        var itemsPerChunk = (int)((chunkElements + ParallelBlockElements - 1) / ParallelBlockElements);
        var items = (long)itemsPerChunk * tensor.ChunkCount;
        if (items > int.MaxValue)
        {
            throw new ArgumentException($"A tensor of {tensor.Length} elements has too many fill blocks.", nameof(tensor));
        }

        // Work item p covers ParallelBlockElements elements of chunk p / itemsPerChunk; each computes its own
        // stream positions, so the split and the thread count cannot change a value.
        void Item(int p)
        {
            var c = p / itemsPerChunk;
            var at = (p % itemsPerChunk) * ParallelBlockElements;
            var chunk = tensor.Chunk(c);
            if (at >= chunk.Length)
            {
                return;
            }

            var span = chunk.Slice(at, Math.Min(ParallelBlockElements, chunk.Length - at));
            Fill(span, unchecked(start + (ulong)((c * chunkElements) + at)), words);
        }

        if (items <= 1 || _maxDegreeOfParallelism == 1)
        {
            for (var p = 0; p < items; p++)
            {
                Item(p);
            }
        }
        else
        {
            Parallel.For(0, (int)items, new ParallelOptions { MaxDegreeOfParallelism = _maxDegreeOfParallelism }, Item);
        }

        Offset = unchecked(start + (ulong)tensor.Length);
    }

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

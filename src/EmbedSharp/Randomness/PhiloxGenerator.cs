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
public sealed partial class PhiloxGenerator : IRandomSource
{
    /// <summary>Elements per parallel work item of a tensor fill (2^16); a multiple of 32 so items never split a
    /// group of eight Philox blocks.</summary>
    public const int ParallelBlockElements = 1 << 16;

    internal const uint M0 = 0xD2511F53u;
    internal const uint M1 = 0xCD9E8D57u;
    internal const uint W0 = 0x9E3779B9u;
    internal const uint W1 = 0xBB67AE85u;
    internal const int Rounds = 10;

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
}

using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EmbedSharp.Numerics;

namespace EmbedSharp.Randomness;

/// <summary>
/// PyTorch's CPU random generator (<c>torch.Generator</c>, <c>at::CPUGeneratorImpl</c>): an MT19937 engine seeded
/// with the low 32 bits of a 64-bit seed, plus the cached second value of the double Box–Muller path.
/// The same seed and the same call sequence give the same numbers as PyTorch on the CPU; where PyTorch 1.13 and 2.x
/// differ, <see cref="Version"/> chooses (2.x by default), and where builds differ, <see cref="Build"/> (MKL, the
/// official x86-64 wheels, by default).
/// </summary>
/// <remarks>
/// Not thread-safe: give each thread its own generator, or use <c>PhiloxGenerator</c> for parallel fills.
/// State round-trips with <c>torch.get_rng_state()</c> / <c>torch.set_rng_state()</c> through
/// <see cref="GetState"/> and <see cref="SetState"/> (5056 bytes, little-endian).
/// </remarks>
public sealed class Generator : IRandomSource
{
    /// <summary>The seed of a fresh <c>torch.Generator()</c>: 67280421310721.</summary>
    public const ulong DefaultSeed = 67280421310721UL;

    /// <summary>The size in bytes of the state returned by <c>torch.get_rng_state()</c>.</summary>
    public const int StateSize = 5056;

    internal const int N = 624;
    private const int M = 397;
    private const uint MatrixA = 0x9908B0DFu;
    private const uint UpperMask = 0x80000000u;
    private const uint LowerMask = 0x7FFFFFFFu;

    private readonly uint[] _state = new uint[N];
    private int _left;
    private uint _next;
    private bool _hasCachedNormal;
    private double _cachedNormal;
    private bool _hasCachedFloatNormal;
    private float _cachedFloatNormal;

    /// <summary>Creates a generator seeded like a fresh <c>torch.Generator()</c> (seed 67280421310721).</summary>
    public Generator()
        : this(DefaultSeed)
    {
    }

    /// <summary>Creates a generator seeded as by <c>torch.manual_seed(seed)</c>.</summary>
    public Generator(ulong seed) => ManualSeed(seed);

    /// <summary>Creates a generator seeded as by <c>torch.manual_seed(seed)</c>; negative seeds wrap modulo 2^64 as in PyTorch.</summary>
    public Generator(long seed) => ManualSeed(seed);

    /// <summary>The PyTorch release to reproduce where releases differ (default <see cref="PyTorchVersion.V2"/>; see
    /// <see cref="PyTorchVersion"/>). Not part of the state (<see cref="GetState"/>); <see cref="Clone"/> copies it.</summary>
    public PyTorchVersion Version { get; init; } = PyTorchVersion.V2;

    /// <summary>The kind of PyTorch build to reproduce where builds differ (default <see cref="PyTorchBuild.Mkl"/>, the
    /// official x86-64 wheels; <see cref="PyTorchBuild.NoMkl"/> for Debian, ARM and macOS builds). Only
    /// <c>trunc_normal_</c>'s erfinv depends on it. Not part of the state; <see cref="Clone"/> copies it.</summary>
    public PyTorchBuild Build { get; init; } = PyTorchBuild.Mkl;

    /// <summary>The seed last set (PyTorch: <c>initial_seed()</c>), as an unsigned 64-bit value.</summary>
    public ulong InitialSeed { get; private set; }

    /// <summary>Reseeds as <c>torch.manual_seed(seed)</c>: state[0] = seed mod 2^32,
    /// state[j] = 1812433253·(state[j-1] ⊕ (state[j-1] ≫ 30)) + j, and clears the cached normal.</summary>
    public void ManualSeed(ulong seed)
    {
        InitialSeed = seed;
        _state[0] = (uint)seed;
        for (var j = 1; j < N; j++)
        {
            var prev = _state[j - 1];
            _state[j] = unchecked((1812433253u * (prev ^ (prev >> 30))) + (uint)j);
        }

        _left = 1;
        _next = 0;
        _hasCachedNormal = false;
        _cachedNormal = 0;
        _hasCachedFloatNormal = false;
        _cachedFloatNormal = 0;
    }

    /// <summary>Reseeds as <c>torch.manual_seed(seed)</c>; a negative seed is taken modulo 2^64 (two's complement).</summary>
    public void ManualSeed(long seed) => ManualSeed(unchecked((ulong)seed));

    /// <summary>One 32-bit engine output (PyTorch: <c>CPUGeneratorImpl::random()</c>).</summary>
    public uint Random()
    {
        if (--_left == 0)
        {
            Twist();
        }

        return Temper(_state[_next++]);
    }

    /// <summary>A 64-bit value from two draws, the first being the high word (PyTorch: <c>random64()</c>).</summary>
    public ulong Random64()
    {
        ulong hi = Random();
        ulong lo = Random();
        return (hi << 32) | lo;
    }

    /// <summary>Fills <paramref name="destination"/> with consecutive 32-bit outputs; the same as calling
    /// <see cref="Random()"/> once per element, but vectorised.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    public void Random(Span<uint> destination)
    {
        while (!destination.IsEmpty)
        {
            if (_left == 1)
            {
                Twist();
                _left = N + 1; // the read below consumes what the triggering draw would have
            }

            var take = Math.Min(_left - 1, destination.Length);
            TemperInto(_state.AsSpan((int)_next, take), destination[..take]);
            _next += (uint)take;
            _left -= take;
            destination = destination[take..];
        }
    }

    /// <summary>The generator state in the byte layout of <c>torch.get_rng_state()</c> (5056 bytes):
    /// u64 seed, i32 left, i32 seeded, u64 next, 624 × u64 state words, f64 normal_x, f64 normal_y (cached
    /// double normal), f64 normal_rho, i32 normal_is_valid, f32 cached float normal, bool its flag.</summary>
    public byte[] GetState()
    {
        var b = new byte[StateSize];
        var s = b.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(s, InitialSeed);
        BinaryPrimitives.WriteInt32LittleEndian(s[8..], _left);
        BinaryPrimitives.WriteInt32LittleEndian(s[12..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(s[16..], _next);
        for (var i = 0; i < N; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(s[(24 + (8 * i))..], _state[i]);
        }

        BinaryPrimitives.WriteDoubleLittleEndian(s[5024..], _hasCachedNormal ? _cachedNormal : 0.0);
        BinaryPrimitives.WriteInt32LittleEndian(s[5040..], _hasCachedNormal ? 1 : 0);
        BinaryPrimitives.WriteSingleLittleEndian(s[5048..], _hasCachedFloatNormal ? _cachedFloatNormal : 0f);
        s[5052] = _hasCachedFloatNormal ? (byte)1 : (byte)0;
        return b;
    }

    /// <summary>Restores a state from <see cref="GetState"/> or from <c>torch.get_rng_state().numpy().tobytes()</c>.</summary>
    /// <exception cref="ArgumentException">The state is not 5056 bytes or its counters are out of range.</exception>
    public void SetState(ReadOnlySpan<byte> state)
    {
        if (state.Length != StateSize)
        {
            throw new ArgumentException($"A generator state is {StateSize} bytes (torch.get_rng_state()); got {state.Length}.", nameof(state));
        }

        var left = BinaryPrimitives.ReadInt32LittleEndian(state[8..]);
        var next = BinaryPrimitives.ReadUInt64LittleEndian(state[16..]);
        if (left < 1 || left > N || next > N)
        {
            throw new ArgumentException($"Corrupt generator state: left = {left} must lie in [1, {N}] and next = {next} in [0, {N}].", nameof(state));
        }

        InitialSeed = BinaryPrimitives.ReadUInt64LittleEndian(state);
        _left = left;
        _next = (uint)next;
        for (var i = 0; i < N; i++)
        {
            _state[i] = (uint)BinaryPrimitives.ReadUInt64LittleEndian(state[(24 + (8 * i))..]);
        }

        _hasCachedNormal = BinaryPrimitives.ReadInt32LittleEndian(state[5040..]) != 0;
        _cachedNormal = _hasCachedNormal ? BinaryPrimitives.ReadDoubleLittleEndian(state[5024..]) : 0.0;
        _hasCachedFloatNormal = state[5052] != 0;
        _cachedFloatNormal = _hasCachedFloatNormal ? BinaryPrimitives.ReadSingleLittleEndian(state[5048..]) : 0f;
    }

    /// <summary>A copy of this generator with the same state; the two then produce the same stream independently.</summary>
    public Generator Clone()
    {
        var g = new Generator(0UL) { Version = Version, Build = Build };
        g.SetState(GetState());
        return g;
    }

    /// <summary>Whether a cached second Box–Muller value is waiting (PyTorch: <c>next_double_normal_sample()</c>).</summary>
    internal bool HasCachedNormal => _hasCachedNormal;

    /// <summary>A standard normal in double by PyTorch's scalar Box–Muller (<c>at::normal_distribution&lt;double&gt;</c>):
    /// u1, u2 = 53-bit uniforms (two draws each), r = √(−2 ln(1−u2)), θ = 2π·u1; returns r·cos θ and caches r·sin θ,
    /// which the next call returns without drawing.</summary>
    public double NextStandardNormal()
    {
        if (_hasCachedNormal)
        {
            _hasCachedNormal = false;
            return _cachedNormal;
        }

        var u1 = NextDouble();
        var u2 = NextDouble();
        var r = Math.Sqrt(-2.0 * Math.Log(1.0 - u2));
        var theta = 2.0 * Math.PI * u1;
        _cachedNormal = r * Math.Sin(theta);
        _hasCachedNormal = true;
        return r * Math.Cos(theta);
    }

    /// <summary>Fills as <c>tensor.uniform_(from, to)</c>; see <see cref="Distributions.Uniform(Generator, FloatTensor, double, double)"/>.</summary>
    public void Uniform(FloatTensor tensor, double from, double to) => Distributions.Uniform(this, tensor, from, to);

    /// <summary>Fills as <c>tensor.normal_(mean, std)</c>; see <see cref="Distributions.Normal(Generator, FloatTensor, double, double)"/>.</summary>
    public void Normal(FloatTensor tensor, double mean, double std) => Distributions.Normal(this, tensor, mean, std);

    /// <summary>Writes <c>torch.randperm(n)</c>; see <see cref="Distributions.Randperm(Generator, Span{long})"/>.</summary>
    public void Randperm(Span<long> destination) => Distributions.Randperm(this, destination);

    /// <summary>A uniform double in [0, 1): (random64() mod 2^53)·2^−53 (two draws).</summary>
    public double NextDouble() => (Random64() & ((1UL << 53) - 1)) * (1.0 / (1UL << 53));

    /// <summary>A uniform float in [0, 1): (random() mod 2^24)·2^−24 (one draw).</summary>
    public float NextSingle() => (Random() & 0xFFFFFF) * (1.0f / (1 << 24));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    private void Twist()
    {
        var s = _state.AsSpan();
        var i = 0;
        // i in [0, N-M): reads old s[i+M] and s[i+1], both not yet rewritten.
        for (; i + Vector256<uint>.Count <= N - M; i += Vector256<uint>.Count)
        {
            var cur = Vector256.Create<uint>(s.Slice(i, 8));
            var nxt = Vector256.Create<uint>(s.Slice(i + 1, 8));
            var far = Vector256.Create<uint>(s.Slice(i + M, 8));
            TwistVector(cur, nxt, far).CopyTo(s.Slice(i, 8));
        }

        for (; i < N - M; i++)
        {
            s[i] = s[i + M] ^ TwistWord(s[i], s[i + 1]);
        }

        // i in [N-M, N-1): reads the new s[i+M-N], written at least N-M = 227 words earlier.
        for (; i + Vector256<uint>.Count <= N - 1; i += Vector256<uint>.Count)
        {
            var cur = Vector256.Create<uint>(s.Slice(i, 8));
            var nxt = Vector256.Create<uint>(s.Slice(i + 1, 8));
            var far = Vector256.Create<uint>(s.Slice(i + M - N, 8));
            TwistVector(cur, nxt, far).CopyTo(s.Slice(i, 8));
        }

        for (; i < N - 1; i++)
        {
            s[i] = s[i + M - N] ^ TwistWord(s[i], s[i + 1]);
        }

        s[N - 1] = s[M - 1] ^ TwistWord(s[N - 1], s[0]);
        _left = N;
        _next = 0;
    }

    private static uint TwistWord(uint u, uint v)
    {
        var y = (u & UpperMask) | (v & LowerMask);
        return (y >> 1) ^ ((v & 1u) != 0 ? MatrixA : 0u);
    }

    private static Vector256<uint> TwistVector(Vector256<uint> u, Vector256<uint> v, Vector256<uint> far)
    {
        var y = (u & Vector256.Create(UpperMask)) | (v & Vector256.Create(LowerMask));
        var odd = Vector256.Equals(v & Vector256<uint>.One, Vector256<uint>.One);
        return far ^ (y >> 1) ^ (odd & Vector256.Create(MatrixA));
    }

    private static uint Temper(uint y)
    {
        y ^= y >> 11;
        y ^= (y << 7) & 0x9D2C5680u;
        y ^= (y << 15) & 0xEFC60000u;
        y ^= y >> 18;
        return y;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot kernel: skip tier-0 code
    private static void TemperInto(ReadOnlySpan<uint> source, Span<uint> destination)
    {
        var i = 0;
        for (; i + Vector256<uint>.Count <= source.Length; i += Vector256<uint>.Count)
        {
            var y = Vector256.Create<uint>(source.Slice(i, 8));
            y ^= y >> 11;
            y ^= (y << 7) & Vector256.Create(0x9D2C5680u);
            y ^= (y << 15) & Vector256.Create(0xEFC60000u);
            y ^= y >> 18;
            y.CopyTo(destination.Slice(i, 8));
        }

        for (; i < source.Length; i++)
        {
            destination[i] = Temper(source[i]);
        }
    }

    internal static Span<uint> AsBits(Span<float> values) => MemoryMarshal.Cast<float, uint>(values);
}

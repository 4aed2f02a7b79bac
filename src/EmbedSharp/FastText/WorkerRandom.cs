using System.Runtime.CompilerServices;

namespace EmbedSharp.FastText;

/// <summary>
/// A worker's random stream: xoshiro128** seeded through SplitMix64 from (seed, worker). Cheap, allocation-free and
/// deterministic; it is not fastText's <c>std::minstd_rand</c> stream, so runs are statistically, not bitwise, like fastText's.
/// </summary>
internal struct WorkerRandom
{
    private uint _s0;
    private uint _s1;
    private uint _s2;
    private uint _s3;

    public WorkerRandom(int seed, int worker)
    {
        var x = unchecked(((ulong)(uint)seed << 32) ^ (uint)worker ^ 0x9E3779B97F4A7C15UL);
        var a = SplitMix(ref x);
        var b = SplitMix(ref x);
        _s0 = (uint)a;
        _s1 = (uint)(a >> 32);
        _s2 = (uint)b;
        _s3 = (uint)(b >> 32);
        if ((_s0 | _s1 | _s2 | _s3) == 0)
        {
            _s0 = 1;
        }
    }

    /// <summary>The four state words (for a checkpoint).</summary>
    public readonly (uint S0, uint S1, uint S2, uint S3) State => (_s0, _s1, _s2, _s3);

    /// <summary>A stream continuing from saved <see cref="State"/> words (not all zero).</summary>
    public static WorkerRandom FromState((uint S0, uint S1, uint S2, uint S3) state)
    {
        if ((state.S0 | state.S1 | state.S2 | state.S3) == 0)
        {
            throw new InvalidDataException("A saved random state is all zeros, which xoshiro128** never reaches.");
        }

        return new WorkerRandom { _s0 = state.S0, _s1 = state.S1, _s2 = state.S2, _s3 = state.S3 };
    }

    /// <summary>The next 32 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint NextUInt32()
    {
        var result = BitRotate(_s1 * 5, 7) * 9;
        var t = _s1 << 9;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitRotate(_s3, 11);
        return result;
    }

    /// <summary>A value in [0, n) by multiply-shift (bias below n / 2^32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextInt(int n) => (int)(((ulong)NextUInt32() * (uint)n) >> 32);

    /// <summary>A float in [0, 1) with 24 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float NextSingle() => (NextUInt32() >> 8) * (1f / (1 << 24));

    private static uint BitRotate(uint x, int k) => (x << k) | (x >> (32 - k));

    private static ulong SplitMix(ref ulong x)
    {
        x = unchecked(x + 0x9E3779B97F4A7C15UL);
        var z = x;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}

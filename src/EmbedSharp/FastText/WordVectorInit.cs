namespace EmbedSharp.FastText;

/// <summary>How <see cref="WordVectorTrainer"/> initialises the input matrix (words, then n-gram buckets). The output
/// matrix always starts at zero, as in fastText.</summary>
public enum WordVectorInit
{
    /// <summary>fastText 0.9.2's <c>DenseMatrix::uniform(1/dim, thread, seed)</c>, bit for bit: the flattened
    /// (nwords + bucket) × dim matrix is cut into 10 blocks of ⌊size/10⌋ values; block b &lt; Thread is filled with
    /// U(−1/dim, 1/dim) from <c>std::minstd_rand(b + seed)</c> (libstdc++'s <c>uniform_real_distribution&lt;double&gt;</c>);
    /// blocks b ≥ Thread stay zero. With the default 2M buckets, most n-gram rows therefore start at zero.</summary>
    FastText,

    /// <summary>Every value U(−1/dim, 1/dim) from a PyTorch-compatible <see cref="Randomness.Generator"/> seeded with Seed.</summary>
    Uniform,
}

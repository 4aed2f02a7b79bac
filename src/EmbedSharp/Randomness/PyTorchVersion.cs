namespace EmbedSharp.Randomness;

/// <summary>
/// The PyTorch release whose CPU numbers a <see cref="Generator"/> reproduces where releases differ (set with
/// <see cref="Generator.Version"/>; 2.x is the default). Everything else (the MT19937 stream, <c>uniform_</c>,
/// <c>normal_</c>, the init formulas, <c>randperm</c> below 214,748,364 elements) is the same in both.
/// </summary>
public enum PyTorchVersion
{
    /// <summary>PyTorch 1.13: <c>torch.randperm(n)</c> uses the swap shuffle for every n.</summary>
    V1_13 = 113,

    /// <summary>PyTorch 2.x (checked against 2.10): <c>torch.randperm(n)</c> for n ≥ 214,748,364 (= (2³²−1)/20) uses
    /// the "inside-out" Fisher–Yates shuffle with <c>random64() % (i + 1)</c>.</summary>
    V2 = 200,
}

using BenchmarkDotNet.Running;
using EmbedSharp.Bench.Peers;

namespace EmbedSharp.Bench;

internal static class Program
{
    /// <summary>Side-by-side modes that print JSON timings for the scripts in bench/peers (one line each); anything
    /// else goes to BenchmarkDotNet.</summary>
    private static readonly Dictionary<string, Action<string[]>> Modes = new(StringComparer.Ordinal)
    {
        ["peers-init"] = InitPeerTimings.Run,
        ["peers-embedding"] = EmbeddingPeerTimings.Run,
        ["native-open"] = Vectors.NativeOpenTimings.Run,
        ["peers-similarity"] = SimilarityPeerTimings.Run,
        ["peers-vectors"] = VectorsPeerTimings.Run,
        ["erfinv-exhaustive"] = Randomness.ErfinvCheck.Exhaustive,
        ["erfinv-time"] = Randomness.ErfinvCheck.Time,
        ["erfinv-hashes"] = Randomness.ErfinvCheck.Hashes,
        ["erfinv-mkl-table"] = Randomness.ErfinvMklTable.Run,
        ["erfinv-mkl-exhaustive"] = Randomness.ErfinvMklCheck.Run,
        ["erfinv-mkl-time"] = Randomness.ErfinvMklTime.Run,
        ["trunc-normal-vs-torch2"] = Randomness.TruncNormalMklTimings.Run,
        ["peers-tokenize-spm"] = TokenizePeerTimings.Run,
        ["bag-alignment"] = Nn.BagAlignmentTimings.Run,
        ["bag-backward-parts"] = Nn.BagBackwardParts.Run,
        ["peers-gemm"] = Numerics.GemmPeerTimings.Run,
        ["peers-lm-step"] = LmStepPeerTimings.Run,
        ["peers-autograd-overhead"] = AutogradOverheadPeerTimings.Run,
        ["lm-step-profile"] = LmStepProfile.Run,
        ["expd-exhaustive"] = Numerics.ExpDCheck.Run,
        ["static-embed"] = Embeddings.StaticEmbeddingTimings.Run,
        ["ortho-phases"] = Initialization.OrthogonalPhases.Run,
        ["ortho-hashes"] = Initialization.OrthogonalPhases.Hashes,
    };

    private static void Main(string[] args)
    {
        if (args.Length > 0 && Modes.TryGetValue(args[0], out var mode))
        {
            mode(args[1..]);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}

using BenchmarkDotNet.Running;
using EmbedSharp.Bench.Peers;

namespace EmbedSharp.Bench;

internal static class Program
{
    /// <summary>BenchmarkDotNet by default; <c>peers-init</c> / <c>peers-vectors</c> print JSON timings for
    /// bench/peers/init_vs_torch.py and bench/peers/vectors_vs_gensim.py.</summary>
    private static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "peers-init")
        {
            InitPeerTimings.Run(args[1..]);
            return;
        }

        if (args.Length > 0 && args[0] == "peers-vectors")
        {
            VectorsPeerTimings.Run(args[1..]);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}

using EmbedSharp.Autograd;
using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Autograd;

/// <summary>The per-thread fused multiply-add setting for matrix products: scoped, followed by every product
/// (F.Linear, Ops.MatMul, attention, on worker threads too), close to the reference bits but not equal to them.</summary>
public sealed class MatMulPrecisionTests
{
    private static Variable Random(int seed, bool requiresGrad, params long[] shape) => TestVariables.Uniform(new Generator((ulong)seed), requiresGrad, shape);

    [Fact]
    public void The_scope_nests_and_belongs_to_its_thread()
    {
        Assert.False(MatMulPrecision.Fused);
        using (MatMulPrecision.UseFused())
        {
            using (MatMulPrecision.UseFused())
            {
                Assert.True(MatMulPrecision.Fused);
            }

            Assert.True(MatMulPrecision.Fused);
            var other = true;
            OnOtherThread(() => other = MatMulPrecision.Fused);
            Assert.False(other); // per thread
        }

        Assert.False(MatMulPrecision.Fused);
        var scope = MatMulPrecision.UseFused();
        Exception? error = null;
        OnOtherThread(() => error = Record.Exception(scope.Dispose));
        Assert.IsType<InvalidOperationException>(error);
        scope.Dispose();
        Assert.False(MatMulPrecision.Fused);
    }

    private static void OnOtherThread(Action action)
    {
        var thread = new Thread(() => action());
        thread.Start();
        thread.Join();
    }

    [Fact]
    public void Fused_products_are_close_to_the_reference_and_not_its_bits()
    {
        (float[] Y, float[] Gx, float[] Gw) Run(bool fused)
        {
            using var scope = fused ? MatMulPrecision.UseFused() : default(MatMulPrecision.FusedScope?);
            var x = Random(1, true, 64, 512);
            var w = Random(2, true, 48, 512);
            var y = F.Linear(x, w);
            Ops.Sum(Ops.MatMul(y, y, transposeA: false, transposeB: true)).Backward();
            return (y.Data.ToArray(), x.Grad!.ToArray(), w.Grad!.ToArray());
        }

        var exact = Run(fused: false);
        var fast = Run(fused: true);
        foreach (var (a, b) in new[] { (exact.Y, fast.Y), (exact.Gx, fast.Gx), (exact.Gw, fast.Gw) })
        {
            // Sums of hundreds of products cancel: the error is relative to the array's scale, not to each value.
            var scale = a.Max(v => Math.Abs(v));
            var differ = 0;
            for (var i = 0; i < a.Length; i++)
            {
                Assert.True(Math.Abs(a[i] - b[i]) <= 1e-5 * scale, $"{i}: {a[i]:R} vs {b[i]:R} (scale {scale})");
                differ += a[i] != b[i] ? 1 : 0;
            }

            Assert.True(differ > 0, "the fused products gave the reference's bits everywhere");
        }
    }

    [Fact]
    public void Fused_attention_follows_the_callers_setting_on_worker_threads()
    {
        // The fused node splits batches over threads; its products must use the caller's setting, as the composed ops do.
        float[] Run(bool fusedNode)
        {
            using var scope = MatMulPrecision.UseFused();
            var mha = new MultiheadAttention(16, 4, new Generator(3)) { FusedSelfAttentionEnabled = fusedNode };
            var x = Random(5, true, 2, 70, 16);
            Ops.Sum(Ops.Tanh(mha.Forward(x, MultiheadAttention.CausalMask(70)))).Backward();
            return [.. x.Grad!.ToArray(), .. mha.InProjWeight.Grad!.ToArray()];
        }

        var fused = Run(fusedNode: true);
        var composed = Run(fusedNode: false);
        for (var i = 0; i < fused.Length; i++)
        {
            Assert.True(fused[i] == composed[i], $"{i}: fused node {fused[i]:R}, composed {composed[i]:R}");
        }
    }
}

using EmbedSharp.Autograd;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Training.Losses;

namespace EmbedSharp.Tests.Training;

/// <summary>The loss classes are torch's loss modules: their forward is the functional form with the module's settings,
/// recorded for backward, with the same bits.</summary>
public sealed class LossModuleTests
{
    private static Variable Values(int seed, bool requiresGrad, params long[] shape)
    {
        var rng = new Random(seed);
        var t = new FloatTensor(shape);
        var s = t.AsSpan();
        for (var i = 0; i < s.Length; i++)
        {
            s[i] = (float)((rng.NextDouble() * 4) - 2);
        }

        return new Variable(t, requiresGrad);
    }

    private static void SameBits(Func<Variable, Variable> module, Func<Variable, Variable> functional, Variable input)
    {
        var a = module(input);
        a.Backward(a.Data.Length == 1 ? null : Ones(a.Shape));
        var ga = input.Grad!.ToArray();
        input.ZeroGrad();
        var b = functional(input);
        b.Backward(b.Data.Length == 1 ? null : Ones(b.Shape));
        Assert.Equal(b.Data.ToArray(), a.Data.ToArray());
        Assert.Equal(input.Grad!.ToArray(), ga);
        Assert.NotNull(a.GradFn);
    }

    private static FloatTensor Ones(ReadOnlySpan<long> shape)
    {
        var t = new FloatTensor(shape);
        t.Fill(1f);
        return t;
    }

    [Theory]
    [InlineData(Reduction.Mean, -100L, 0.0)]
    [InlineData(Reduction.Sum, 2L, 0.1)]
    [InlineData(Reduction.None, -100L, 0.25)]
    public void CrossEntropyLoss_is_F_CrossEntropy(Reduction reduction, long ignore, double smoothing)
    {
        var targets = new IndexTensor([0, 2, 4, 2, 1, 3], 6);
        var loss = new CrossEntropyLoss(reduction, ignore, smoothing);
        SameBits(x => loss.Forward(x, targets), x => F.CrossEntropy(x, targets, ignore, smoothing, reduction), Values(1, true, 6, 5));
    }

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    [InlineData(Reduction.None)]
    public void MseLoss_and_BceWithLogitsLoss_are_their_functions(Reduction reduction)
    {
        var target = Values(2, false, 4, 3);
        var mse = new MseLoss(reduction);
        SameBits(x => mse.Forward(x, target), x => F.MseLoss(x, target, reduction), Values(3, true, 4, 3));
        var posWeight = FloatTensor.FromSpan([0.5f, 2f, 3f], 3);
        var probabilities = new Variable(FloatTensor.FromSpan([0, 1, 0.5f, 1, 0, 0.25f, 0, 0, 1, 1, 1, 0], 4, 3));
        var bce = new BceWithLogitsLoss(reduction, posWeight);
        SameBits(x => bce.Forward(x, probabilities), x => F.BinaryCrossEntropyWithLogits(x, probabilities, posWeight, reduction), Values(4, true, 4, 3));
    }
}

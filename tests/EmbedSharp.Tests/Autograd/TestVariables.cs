using EmbedSharp.Autograd;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.Autograd;

/// <summary>Variables of uniform random values in [−1, 1) for the autograd tests.</summary>
internal static class TestVariables
{
    /// <summary>A leaf of <paramref name="shape"/> filled from <paramref name="g"/>.</summary>
    public static Variable Uniform(Generator g, bool requiresGrad, params long[] shape)
    {
        var t = new FloatTensor(shape);
        var s = t.AsSpan();
        for (var i = 0; i < s.Length; i++)
        {
            s[i] = (float)((g.NextDouble() * 2) - 1);
        }

        return new Variable(t, requiresGrad);
    }
}

using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.Nn;

/// <summary>Central finite differences: for a scalar function f of a tensor, compares each analytic derivative with
/// (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h evaluated in double on a perturbed copy.</summary>
internal static class GradCheck
{
    /// <param name="f">The scalar function (evaluated with the perturbed tensor in place).</param>
    /// <param name="x">The tensor to perturb (restored afterwards).</param>
    /// <param name="analytic">The analytic gradient, same shape as x.</param>
    /// <param name="h">The step.</param>
    /// <param name="what">Names the check in the failure message.</param>
    /// <param name="tolerance">Allowed |analytic − numeric| ≤ tolerance·max(1, |numeric|).</param>
    internal static void Check(Func<double> f, FloatTensor x, FloatTensor analytic, double h, double tolerance, string what)
    {
        Assert.True(x.Shape.SequenceEqual(analytic.Shape), $"{what}: gradient shape");
        var worst = 0.0;
        var worstAt = -1L;
        for (long i = 0; i < x.Length; i++)
        {
            var saved = x[i];
            x[i] = (float)(saved + h);
            var plus = f();
            x[i] = (float)(saved - h);
            var minus = f();
            x[i] = saved;
            var step = (double)(float)(saved + h) - (float)(saved - h); // the step actually taken in float
            var numeric = (plus - minus) / step;
            var err = Math.Abs(analytic[i] - numeric) / Math.Max(1, Math.Abs(numeric));
            if (err > worst)
            {
                (worst, worstAt) = (err, i);
            }
        }

        Assert.True(worst <= tolerance, $"{what}: worst relative error {worst:G3} at {worstAt} (tolerance {tolerance})");
    }

    /// <summary>Σ a ⊙ b in double: a random linear functional turning a tensor output into a scalar loss.</summary>
    internal static double Dot(FloatTensor a, FloatTensor b)
    {
        double s = 0;
        for (long i = 0; i < a.Length; i++)
        {
            s += (double)a[i] * b[i];
        }

        return s;
    }
}

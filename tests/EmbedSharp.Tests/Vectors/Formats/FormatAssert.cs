using System.Globalization;
using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.Vectors.Formats;

/// <summary>Comparisons for word-vector tests: bit equality with the max difference and first mismatch named.</summary>
internal static class FormatAssert
{
    public static void BitEqual(FloatTensor expected, FloatTensor actual)
    {
        Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
        long mismatches = 0, first = -1;
        double maxDiff = 0;
        for (long i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                mismatches++;
                first = first < 0 ? i : first;
                maxDiff = Math.Max(maxDiff, Math.Abs((double)expected[i] - actual[i]));
            }
        }

        Assert.True(mismatches == 0, string.Create(CultureInfo.InvariantCulture,
            $"{mismatches} of {expected.Length} values differ; max |diff| {maxDiff:G9}; first at {first}: expected {(first >= 0 ? expected[first] : 0):R}, got {(first >= 0 ? actual[first] : 0):R}."));
    }
}

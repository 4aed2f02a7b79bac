using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.Numerics;

/// <summary>The eight-column vector cascade gives, lane by lane, the bits of the scalar cascade it replaces in
/// <c>TorchSum.Columns</c> (whose order the PyTorch parity tests check).</summary>
public sealed class TorchSumLanesTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(1024)]
    [InlineData(4097)]
    [InlineData(70_001)]
    public void Each_lane_equals_the_scalar_cascade_of_its_column(int rows)
    {
        const int Cols = 40; // 5 vectors: the first 32 columns are the cascaded block of Columns
        var rng = new Random(rows);
        var data = new float[(rows * Cols) + 8];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)((rng.NextDouble() * 2) - 1) * (i % 7 == 0 ? 1000f : 1f); // mixed magnitudes: rounding matters
        }

        for (var start = 0; start + 8 <= Cols; start += 8)
        {
            var lanes = TorchSum.CascadeLanes(data, start, Cols, rows);
            for (var l = 0; l < 8; l++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(TorchSum.Cascade(data, start + l, Cols, rows)), BitConverter.SingleToInt32Bits(lanes[l]));
            }
        }
    }

    [Fact]
    public void Columns_past_the_data_are_refused()
    {
        var data = new float[100];
        Assert.Throws<ArgumentOutOfRangeException>(() => TorchSum.CascadeLanes(data, 95, 10, 1));
    }
}

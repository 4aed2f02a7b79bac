using EmbedSharp.Nn.Positional;
using EmbedSharp.Numerics;

namespace EmbedSharp.Tests.Nn.Positional;

public sealed class SinusoidalPositionalEncodingTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(64)]
    public void Table_follows_the_formula_within_float_rounding(int d)
    {
        var pe = new SinusoidalPositionalEncoding(100, d).Pe;
        for (var pos = 0; pos < 100; pos++)
        {
            for (var i = 0; 2 * i < d; i++)
            {
                var angle = pos / Math.Pow(10000, 2.0 * i / d);
                Assert.Equal(Math.Sin(angle), pe[pos, 2 * i], 1e-4);
                if ((2 * i) + 1 < d)
                {
                    Assert.Equal(Math.Cos(angle), pe[pos, (2 * i) + 1], 1e-4);
                }
            }
        }
    }

    [Fact]
    public void Odd_width_ends_with_a_sine_column_without_cosine_partner()
    {
        var pe = new SinusoidalPositionalEncoding(50, 5).Pe;
        var div = new float[3];
        SinusoidalTable.DivTerm(5, div);
        Assert.Equal((float)Math.Sin(49 * div[2]), pe[49, 4]);
        Assert.Equal((float)Math.Cos(49 * div[1]), pe[49, 3]);
        var cat = new SinusoidalPositionalEncoding(50, 5, SinusoidalLayout.Concatenated).Pe;
        Assert.Equal(pe[49, 4], cat[49, 2]); // sin half has 3 columns, cos half 2
        Assert.Equal(pe[49, 3], cat[49, 4]);
    }

    [Theory]
    [InlineData(63)]
    [InlineData(64)]
    public void Concatenated_layout_is_a_column_permutation_of_the_interleaved_one(int d)
    {
        var inter = new SinusoidalPositionalEncoding(40, d).Pe;
        var cat = new SinusoidalPositionalEncoding(40, d, SinusoidalLayout.Concatenated).Pe;
        var half = (d + 1) / 2;
        for (var pos = 0; pos < 40; pos++)
        {
            for (var i = 0; i < half; i++)
            {
                Assert.Equal(inter[pos, 2 * i], cat[pos, i]);
                if ((2 * i) + 1 < d)
                {
                    Assert.Equal(inter[pos, (2 * i) + 1], cat[pos, half + i]);
                }
            }
        }
    }

    [Fact]
    public void Table_is_the_buffer_pe_and_survives_a_save_and_load()
    {
        var m = new SinusoidalPositionalEncoding(16, 6);
        Assert.Same(m.Pe, m.StateDict()["pe"]);
        Assert.Empty(m.Parameters());
        var path = Path.Combine(Path.GetTempPath(), $"pe_{Guid.NewGuid():N}.safetensors");
        try
        {
            m.Save(path);
            var other = new SinusoidalPositionalEncoding(16, 6);
            other.Pe.Fill(0f);
            other.Load(path);
            Assert.Equal(m.Pe.ToArray(), other.Pe.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Forward_adds_rows_from_the_offset_for_batched_and_unbatched_input()
    {
        var m = new SinusoidalPositionalEncoding(10, 3);
        var x = FloatTensor.FromArray(Enumerable.Range(0, 2 * 4 * 3).Select(i => i * 0.5f).ToArray(), 2, 4, 3);
        var y = m.Forward(x, positionOffset: 5);
        for (var b = 0; b < 2; b++)
        {
            for (var s = 0; s < 4; s++)
            {
                for (var j = 0; j < 3; j++)
                {
                    Assert.Equal(x[b, s, j] + m.Pe[5 + s, j], y[b, s, j]);
                }
            }
        }

        var x2 = FloatTensor.FromArray(x.ToArray()[..12], 4, 3);
        Assert.Equal(y.ToArray()[..12], m.Forward(x2, 5).ToArray());
    }

    [Fact]
    public void In_place_forward_matches_and_allocates_nothing()
    {
        var m = new SinusoidalPositionalEncoding(64, 32);
        var x = FloatTensor.FromArray(Enumerable.Range(0, 3 * 20 * 32).Select(i => MathF.Sin(i)).ToArray(), 3, 20, 32);
        var expected = m.Forward(x, 7).ToArray();
        m.Forward(x.Clone(), x.Clone(), 7); // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        m.Forward(x, x, 7);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(expected, x.ToArray());
    }

    [Fact]
    public void Chunked_input_gives_the_same_result()
    {
        var m = new SinusoidalPositionalEncoding(32, 8);
        var data = Enumerable.Range(0, 20 * 8).Select(i => i * 0.25f).ToArray();
        var chunked = new FloatTensor([20, 8], 16);
        Assert.False(chunked.IsSingleChunk);
        chunked.CopyFrom(data);
        Assert.Equal(m.Forward(FloatTensor.FromArray(data, 20, 8), 3).ToArray(), m.Forward(chunked, 3).ToArray());
    }

    [Fact]
    public void Backward_passes_the_gradient_through()
    {
        var m = new SinusoidalPositionalEncoding(8, 4);
        var g = FloatTensor.FromArray([1, 2, 3, 4, 5, 6, 7, 8], 2, 4);
        Assert.Same(g, m.Backward(g));
    }

    [Fact]
    public void Positions_beyond_the_table_are_rejected_naming_offset_length_and_max_len()
    {
        var m = new SinusoidalPositionalEncoding(10, 4);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => m.Forward(new FloatTensor(2, 6, 4), 5));
        Assert.Contains("5..10", ex.Message, StringComparison.Ordinal);
        Assert.Contains("maxLen = 10", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Forward(new FloatTensor(2, 4), -1));
    }

    [Fact]
    public void Mismatched_last_dimension_is_rejected_naming_both_widths()
    {
        var m = new SinusoidalPositionalEncoding(10, 4);
        var ex = Assert.Throws<ArgumentException>(() => m.Forward(new FloatTensor(2, 3, 5)));
        Assert.Contains("last dimension is 5", ex.Message, StringComparison.Ordinal);
        Assert.Contains("d = 4", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => m.Forward(new FloatTensor(4)));
        Assert.Throws<ArgumentException>(() => m.Forward(new FloatTensor(2, 3, 4), new FloatTensor(2, 4, 4)));
    }

    [Fact]
    public void A_failed_in_place_forward_leaves_the_input_unchanged()
    {
        var m = new SinusoidalPositionalEncoding(4, 2);
        var x = FloatTensor.FromArray([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.Forward(x, x));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], x.ToArray());
    }

    [Fact]
    public void Bad_sizes_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SinusoidalPositionalEncoding(-1, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SinusoidalPositionalEncoding(4, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SinusoidalPositionalEncoding(4, 4, (SinusoidalLayout)9));
        Assert.Throws<ArgumentException>(() => SinusoidalTable.Fill(new float[7], 0, 2, SinusoidalLayout.Interleaved));
    }

    [Fact]
    public void Span_fill_from_a_start_position_matches_the_table_rows()
    {
        var m = new SinusoidalPositionalEncoding(30, 9, SinusoidalLayout.Concatenated);
        var rows = new float[5 * 9];
        SinusoidalTable.Fill(rows, 20, 9, SinusoidalLayout.Concatenated);
        for (var r = 0; r < 5; r++)
        {
            Assert.Equal(m.Pe.Row(20 + r).ToArray(), rows.AsSpan(r * 9, 9).ToArray());
        }
    }

    [Fact]
    public void Expf_handles_special_values()
    {
        Assert.Equal(1f, SinusoidalTable.SleefExpF(0f));
        Assert.Equal(0f, SinusoidalTable.SleefExpF(-200f));
        Assert.Equal(float.PositiveInfinity, SinusoidalTable.SleefExpF(100f));
        Assert.True(float.IsNaN(SinusoidalTable.SleefExpF(float.NaN)));
        Assert.Equal(MathF.E, SinusoidalTable.SleefExpF(1f), 1e-6f);
    }
}

using EmbedSharp.Nn;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Tests.Parity;

namespace EmbedSharp.Tests.Nn;

public sealed class ActivationAndDropoutTests
{
    public static TheoryData<string> Activations() => ["relu", "tanh", "sigmoid"];

    private static Activation Make(string name) => name switch
    {
        "relu" => new Relu(),
        "tanh" => new Tanh(),
        _ => new Sigmoid(),
    };

    [Theory]
    [MemberData(nameof(Activations))]
    public void Activation_gradients_match_finite_differences(string name)
    {
        var g = new Generator(4);
        var layer = Make(name);
        var x = LayersParityTests.Randn(g, 3, 37);
        for (long i = 0; i < x.Length; i++)
        {
            x[i] = MathF.Abs(x[i]) < 0.05f ? 0.5f : x[i]; // keep ReLU's kink out of reach of the step
        }

        var r = LayersParityTests.Randn(g, 3, 37);
        var gx = layer.Backward(layer.Forward(x), r);
        GradCheck.Check(() => GradCheck.Dot(layer.Forward(x), r), x, gx, 1e-2, 2e-3, name);
    }

    [Theory]
    [MemberData(nameof(Activations))]
    public void Activations_work_over_every_length_and_in_place(string name)
    {
        var layer = Make(name);
        var g = new Generator(9);
        for (var n = 0; n <= 40; n++)
        {
            var x = LayersParityTests.Randn(g, n);
            var expected = layer.Forward(x);
            layer.Forward(x, x);
            Assert.Equal(expected.ToArray(), x.ToArray());
        }

        Assert.Throws<ArgumentException>(() => layer.Forward(new FloatTensor(3), new FloatTensor(4)));
        Assert.Throws<ArgumentException>(() => layer.Backward(new FloatTensor(3), new FloatTensor(3, 1)));
    }

    [Fact]
    public void Relu_passes_nan_and_no_gradient_at_zero()
    {
        var relu = new Relu();
        var y = relu.Forward(FloatTensor.FromArray([float.NaN, -1f, 0f, 2f], 4));
        Assert.True(float.IsNaN(y[0]));
        Assert.Equal([0f, 0f, 2f], y.ToArray()[1..]);
        Assert.Equal([1f, 0f, 0f, 1f], relu.Backward(y, FloatTensor.FromArray([1f, 1f, 1f, 1f], 4)).ToArray());
    }

    [Fact]
    public void Dropout_keeps_about_one_minus_p_and_scales_the_kept()
    {
        var layer = new Dropout(new Generator(0), 0.3);
        var x = new FloatTensor(100_000);
        x.Fill(1f);
        var (y, mask) = layer.Forward(x);
        var kept = y.ToArray().Count(v => v != 0);
        Assert.InRange(kept / 100_000.0, 0.695, 0.705);
        Assert.All(y.ToArray().Where(v => v != 0), v => Assert.Equal(1f / 0.7f, v));
        Assert.Equal(mask.ToArray(), Dropout.Backward(x, mask).ToArray());
    }

    [Fact]
    public void Evaluation_mode_is_the_identity_and_draws_nothing()
    {
        var generator = new Generator(3);
        var layer = new Dropout(generator, 0.5);
        layer.Eval();
        var x = LayersParityTests.Randn(new Generator(1), 50);
        var before = generator.GetState();
        var (y, mask) = layer.Forward(x);
        Assert.Equal(x.ToArray(), y.ToArray());
        Assert.All(mask.ToArray(), v => Assert.Equal(1f, v));
        Assert.Equal(before, generator.GetState());
    }

    [Fact]
    public void P_zero_and_one_draw_nothing_and_out_of_range_p_is_refused()
    {
        var generator = new Generator(3);
        var before = generator.GetState();
        var x = LayersParityTests.Randn(new Generator(1), 20);
        Assert.Equal(x.ToArray(), new Dropout(generator, 0).Forward(x).Output.ToArray());
        Assert.All(new Dropout(generator, 1).Forward(x).Output.ToArray(), v => Assert.Equal(0f, MathF.Abs(v)));
        Assert.Equal(before, generator.GetState());
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(generator, 1.5));
        Assert.Contains("1.5", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(generator, double.NaN));
        Assert.Throws<ArgumentException>(() => new Dropout(generator).Forward(x, new FloatTensor(19), new FloatTensor(20)));
    }

    [Fact]
    public void Dropout_into_caller_tensors_allocates_nothing()
    {
        var layer = new Dropout(new Generator(8), 0.2);
        var x = LayersParityTests.Randn(new Generator(1), 1000);
        var mask = new FloatTensor(1000);
        var y = new FloatTensor(1000);
        layer.Forward(x, mask, y);
        Dropout.Backward(y, mask, y);
        var before = GC.GetAllocatedBytesForCurrentThread();
        layer.Forward(x, mask, y);
        Dropout.Backward(y, mask, y);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

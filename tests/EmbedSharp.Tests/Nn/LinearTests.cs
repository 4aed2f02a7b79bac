using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Tests.Parity;

namespace EmbedSharp.Tests.Nn;

public sealed class LinearTests
{
    [Fact]
    public void Gradients_match_finite_differences_for_input_weight_and_bias()
    {
        var g = new Generator(7);
        var layer = new Linear(5, 3, g);
        var x = LayersParityTests.Randn(g, 2, 4, 5);
        var r = LayersParityTests.Randn(g, 2, 4, 3);
        var gx = layer.Backward(x, r);
        double Loss() => GradCheck.Dot(layer.Forward(x), r);
        GradCheck.Check(Loss, x, gx, 1e-2, 1e-3, "dL/dx");
        GradCheck.Check(Loss, layer.Weight.Value, layer.Weight.Grad!, 1e-2, 1e-3, "dL/dW");
        GradCheck.Check(Loss, layer.Bias!.Value, layer.Bias.Grad!, 1e-2, 1e-3, "dL/db");
    }

    [Fact]
    public void Kernels_equal_a_sequential_reference_for_every_small_size()
    {
        var g = new Generator(3);
        foreach (var rows in new[] { 0, 1, 3, 4, 5, 9 })
        {
            foreach (var inF in new[] { 0, 1, 7, 8, 17, 300 })
            {
                foreach (var outF in new[] { 1, 7, 8, 9, 16, 17, 33 })
                {
                    var x = LayersParityTests.Randn(g, rows, inF).ToArray();
                    var w = LayersParityTests.Randn(g, outF, inF).ToArray();
                    var b = LayersParityTests.Randn(g, outF).ToArray();
                    var gy = LayersParityTests.Randn(g, rows, outF).ToArray();
                    var y = new float[rows * outF];
                    LinearFunctions.Forward(x, w, b, rows, inF, outF, y);
                    var gx = new float[rows * inF];
                    LinearFunctions.BackwardInput(gy, w, rows, inF, outF, gx);
                    var gw = new float[outF * inF];
                    LinearFunctions.AccumulateWeightGrad(gy, x, rows, inF, outF, gw);
                    for (var n = 0; n < rows; n++)
                    {
                        for (var o = 0; o < outF; o++)
                        {
                            float s = 0;
                            for (var k = 0; k < inF; k++)
                            {
                                s += x[(n * inF) + k] * w[(o * inF) + k];
                            }

                            Assert.Equal(s + b[o], y[(n * outF) + o]);
                        }

                        for (var k = 0; k < inF; k++)
                        {
                            float s = 0;
                            for (var o = 0; o < outF; o++)
                            {
                                s += gy[(n * outF) + o] * w[(o * inF) + k];
                            }

                            Assert.Equal(s, gx[(n * inF) + k]);
                        }
                    }

                    for (var o = 0; o < outF; o++)
                    {
                        for (var k = 0; k < inF; k++)
                        {
                            float s = 0;
                            for (var n = 0; n < rows; n++)
                            {
                                s += gy[(n * outF) + o] * x[(n * inF) + k];
                            }

                            Assert.Equal(s, gw[(o * inF) + k]);
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void The_parallel_forward_equals_the_serial_one_bit_for_bit()
    {
        var g = new Generator(11);
        const int Rows = 96, In = 257, Out = 200; // 4.9M multiply-adds: above the parallel threshold
        var x = LayersParityTests.Randn(g, Rows, In).ToArray();
        var w = LayersParityTests.Randn(g, Out, In).ToArray();
        var b = LayersParityTests.Randn(g, Out).ToArray();
        var parallel = new float[Rows * Out];
        LinearFunctions.Forward(x, w, b, Rows, In, Out, parallel);
        var serial = new float[Rows * Out];
        for (var n = 0; n < Rows; n++)
        {
            LinearFunctions.Forward(x.AsSpan(n * In, In), w, b, 1, In, Out, serial.AsSpan(n * Out, Out));
        }

        Assert.Equal(serial, parallel);
    }

    [Fact]
    public void Forward_and_backward_into_caller_tensors_allocate_nothing()
    {
        var g = new Generator(5);
        var layer = new Linear(64, 32, g);
        var x = LayersParityTests.Randn(g, 16, 64);
        var y = new FloatTensor(16, 32);
        var gx = new FloatTensor(16, 64);
        for (var i = 0; i < 3; i++)
        {
            layer.Forward(x, y);
            layer.Backward(x, y, gx); // warm up: creates the parameter gradients
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
        {
            layer.Forward(x, y);
            layer.Backward(x, y, gx);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Gradients_accumulate_across_backward_calls_and_frozen_parameters_get_none()
    {
        var g = new Generator(2);
        var layer = new Linear(3, 2, g);
        layer.Bias!.RequiresGrad = false;
        var x = LayersParityTests.Randn(g, 4, 3);
        var gy = LayersParityTests.Randn(g, 4, 2);
        layer.Backward(x, gy);
        var once = layer.Weight.Grad!.ToArray();
        layer.Backward(x, gy);
        Assert.Equal(once.Select(v => v + v), layer.Weight.Grad!.ToArray());
        Assert.Null(layer.Bias.Grad);
    }

    [Fact]
    public void Bad_shapes_name_both_shapes_and_change_nothing()
    {
        var g = new Generator(1);
        var layer = new Linear(4, 3, g);
        var ex = Assert.Throws<ArgumentException>(() => layer.Forward(new FloatTensor(2, 5)));
        Assert.Contains("(2, 5)", ex.Message);
        Assert.Contains("4", ex.Message);
        var x = new FloatTensor(2, 4);
        ex = Assert.Throws<ArgumentException>(() => layer.Backward(x, new FloatTensor(2, 2)));
        Assert.Contains("(2, 2)", ex.Message);
        Assert.Contains("(2, 3)", ex.Message);
        Assert.Throws<ArgumentException>(() => layer.Backward(x, new FloatTensor(2, 3), new FloatTensor(3, 4)));
        Assert.Null(layer.Weight.Grad);
        Assert.Null(layer.Bias!.Grad);
        Assert.Throws<ArgumentException>(() => layer.Forward(new FloatTensor(Array.Empty<long>())));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Linear(-1, 3, g));
    }

    [Fact]
    public void Parameters_are_named_like_pytorch()
    {
        var layer = new Linear(3, 2, new Generator(0), bias: false);
        Assert.Equal(["weight"], layer.NamedParameters().Select(p => p.Name));
        Assert.Equal("Linear(in_features=3, out_features=2, bias=False)", layer.ToString());
    }
}

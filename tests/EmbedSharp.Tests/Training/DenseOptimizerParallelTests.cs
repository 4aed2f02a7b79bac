using EmbedSharp.Nn;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Training.Optimizers;

namespace EmbedSharp.Tests.Training;

/// <summary>
/// Dense optimiser steps split a large table's rows over the cores. The update is element-wise, so a 120 × 600 table
/// (72,000 floats: split in two on a 2-core machine) must end bit for bit where its rows end when each is its own
/// small parameter (600 floats: never split), over several steps with different gradients.
/// </summary>
public sealed class DenseOptimizerParallelTests
{
    private const int Rows = 120, Dim = 600;

    public static TheoryData<string> Optimizers() =>
        ["sgd", "sgd momentum nesterov decay", "sgd momentum dampening", "adam", "adam amsgrad decay", "adamw", "adagrad decay lrdecay"];

    private static Optimizer Make(string name, IEnumerable<Parameter> ps) => name switch
    {
        "sgd" => new Sgd(ps, new SgdOptions { Lr = 0.1 }),
        "sgd momentum nesterov decay" => new Sgd(ps, new SgdOptions { Lr = 0.1, Momentum = 0.9, Nesterov = true, WeightDecay = 0.01 }),
        "sgd momentum dampening" => new Sgd(ps, new SgdOptions { Lr = 0.05, Momentum = 0.8, Dampening = 0.3 }),
        "adam" => new Adam(ps, new AdamOptions { Lr = 0.01 }),
        "adam amsgrad decay" => new Adam(ps, new AdamOptions { Lr = 0.01, Amsgrad = true, WeightDecay = 0.02 }),
        "adamw" => new AdamW(ps, new AdamWOptions { Lr = 0.01 }),
        "adagrad decay lrdecay" => new Adagrad(ps, new AdagradOptions { Lr = 0.1, WeightDecay = 0.01, LrDecay = 0.05 }),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void A_large_tables_step_is_the_steps_of_its_rows(string name)
    {
        var table = new Parameter(new FloatTensor(Rows, Dim));
        new Generator(1).Uniform(table.Value, -1, 1);
        table.SetRowsFrozen([7]); // a frozen row splits the table into two runs
        var rows = new Parameter[Rows];
        for (var r = 0; r < Rows; r++)
        {
            rows[r] = new Parameter(FloatTensor.FromArray(table.Value.Row(r).ToArray(), Dim));
        }

        var big = Make(name, [table]);
        var small = Make(name, rows.Where((_, r) => r != 7));
        for (var step = 0; step < 3; step++)
        {
            var g = table.DenseGradForAccumulation();
            new Generator((ulong)(10 + step)).Uniform(g, -1, 1);
            for (var r = 0; r < Rows; r++)
            {
                g.Row(r).CopyTo(rows[r].DenseGradForAccumulation().AsSpan());
            }

            big.Step();
            small.Step();
            big.ZeroGrad();
            small.ZeroGrad();
        }

        for (var r = 0; r < Rows; r++)
        {
            Assert.Equal(
                rows[r].Value.ToArray().Select(BitConverter.SingleToUInt32Bits),
                table.Value.Row(r).ToArray().Select(BitConverter.SingleToUInt32Bits));
        }
    }
}

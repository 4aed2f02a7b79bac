using EmbedSharp.Autograd;
using EmbedSharp.Initialization;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;

namespace EmbedSharp.Nn;

/// <summary>
/// Fully connected layer y = x·Wᵀ + b over the last dimension. torch: <c>nn.Linear(in_features, out_features, bias)</c>.
/// Shape: input (*, inFeatures) → output (*, outFeatures); weight (outFeatures, inFeatures); bias (outFeatures).
/// </summary>
/// <remarks>
/// Initialisation draws exactly what <c>torch.manual_seed(s); nn.Linear(in, out)</c> draws: <c>kaiming_uniform_(W, a=√5)</c>
/// (W ~ U(−1/√in, 1/√in)), then b ~ U(−1/√in, 1/√in) (bound 0 when in = 0). Forward and backward are bit-exact with
/// PyTorch 1.13 on a netlib-BLAS CPU build (see <see cref="LinearFunctions"/>). The layer keeps no activations: pass the
/// forward's input to <see cref="Backward(FloatTensor, FloatTensor)"/>.
/// </remarks>
public sealed class Linear : Module, ILayer
{
    /// <summary>Creates the layer and initialises it from <paramref name="generator"/> as <c>nn.Linear</c> does.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative.</exception>
    public Linear(int inFeatures, int outFeatures, IRandomSource generator, bool bias = true)
    {
        if (inFeatures < 0 || outFeatures < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(inFeatures), $"Linear({inFeatures}, {outFeatures}): sizes must be non-negative.");
        }

        ArgumentNullException.ThrowIfNull(generator);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", new Parameter(new FloatTensor(outFeatures, inFeatures)));
        Bias = bias ? RegisterParameter("bias", new Parameter(new FloatTensor(outFeatures))) : null;
        ResetParameters(generator);
    }

    /// <summary>Size of each input row.</summary>
    public int InFeatures { get; }

    /// <summary>Size of each output row.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight W. Shape: (outFeatures, inFeatures).</summary>
    public Parameter Weight { get; }

    /// <summary>The bias b, or null for a layer built with <c>bias: false</c>. Shape: (outFeatures).</summary>
    public Parameter? Bias { get; }

    /// <summary>Re-draws the parameters as <c>nn.Linear.reset_parameters</c>: W from <c>kaiming_uniform_(a=√5)</c>
    /// (out·in draws, row-major), then b from U(−1/√in, 1/√in) (out draws).</summary>
    public void ResetParameters(IRandomSource generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        Init.KaimingUniform(Weight.Value, generator, FanMode.FanIn, Nonlinearity.LeakyRelu(Math.Sqrt(5)));
        if (Bias is not null)
        {
            var bound = InFeatures > 0 ? 1 / Math.Sqrt(InFeatures) : 0;
            Init.Uniform(Bias.Value, generator, -bound, bound);
        }
    }

    /// <summary>y = x·Wᵀ + b, recorded for backward (<see cref="F.Linear"/> with this layer's parameters).
    /// torch: <c>Linear.forward</c>. Shape: (*, inFeatures) → (*, outFeatures).</summary>
    /// <exception cref="ArgumentException">The input's last dimension is not <see cref="InFeatures"/>.</exception>
    public Variable Forward(Variable input) => F.Linear(input, Weight, Bias);

    /// <summary>y = x·Wᵀ + b into a new tensor. Shape: (*, inFeatures) → (*, outFeatures).</summary>
    /// <exception cref="ArgumentException">The input's last dimension is not <see cref="InFeatures"/>.</exception>
    internal FloatTensor Forward(FloatTensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckInput(input);
        var output = new FloatTensor(OutputShape(input.Shape, OutFeatures));
        Forward(input, output);
        return output;
    }

    /// <summary>y = x·Wᵀ + b into <paramref name="output"/> (allocation-free). Shape: input (*, inFeatures), output (*, outFeatures).</summary>
    /// <exception cref="ArgumentException">A shape does not fit (the message names both).</exception>
    internal void Forward(FloatTensor input, FloatTensor output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        CheckInput(input);
        CheckPair(input, output, OutFeatures, "output");
        var w = Weight.Value.AsSpan();
        ReadOnlySpan<float> b = Bias is null ? default : Bias.Value.AsSpan();
        foreach (var (x, y, rows) in new Segments(input, output))
        {
            LinearFunctions.Forward(x, w, b, rows, InFeatures, OutFeatures, y);
        }
    }

    /// <summary>Backward pass: returns dL/dx = dL/dy·W and adds dL/dW = Σ dL/dyᵀ·x and dL/db = Σ dL/dy to the parameters'
    /// gradients (those with <see cref="Autograd.Variable.RequiresGrad"/>). Shape: input (*, inFeatures), gradOutput (*, outFeatures).</summary>
    /// <exception cref="ArgumentException">A shape does not fit (the message names both).</exception>
    internal FloatTensor Backward(FloatTensor input, FloatTensor gradOutput)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckInput(input);
        var gradInput = new FloatTensor(input.Shape);
        Backward(input, gradOutput, gradInput);
        return gradInput;
    }

    /// <summary>Backward pass into caller tensors (allocation-free once the parameter gradients exist): writes dL/dx into
    /// <paramref name="gradInput"/> (skipped when null) and accumulates the parameter gradients as
    /// <see cref="Backward(FloatTensor, FloatTensor)"/>. Everything is validated before anything is written.</summary>
    /// <exception cref="ArgumentException">A shape does not fit (the message names both).</exception>
    internal void Backward(FloatTensor input, FloatTensor gradOutput, FloatTensor? gradInput)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(gradOutput);
        CheckInput(input);
        CheckPair(input, gradOutput, OutFeatures, "gradOutput");
        if (gradInput is not null && !gradInput.Shape.SequenceEqual(input.Shape))
        {
            throw new ArgumentException(
                $"gradInput has shape {FloatTensor.FormatShape(gradInput.Shape)}; the input has {FloatTensor.FormatShape(input.Shape)}.", nameof(gradInput));
        }

        var w = Weight.Value.AsSpan();
        if (gradInput is not null)
        {
            foreach (var (g, dx, rows) in new Segments(gradOutput, gradInput))
            {
                LinearFunctions.BackwardInput(g, w, rows, InFeatures, OutFeatures, dx);
            }
        }

        if (Weight.RequiresGrad)
        {
            var gw = Weight.DenseGradForAccumulation().AsSpan();
            foreach (var (x, g, rows) in new Segments(input, gradOutput))
            {
                LinearFunctions.AccumulateWeightGrad(g, x, rows, InFeatures, OutFeatures, gw);
            }
        }

        if (Bias is { RequiresGrad: true })
        {
            var gb = Bias.DenseGradForAccumulation().AsSpan();
            foreach (var (_, g, rows) in new Segments(input, gradOutput))
            {
                LinearFunctions.AccumulateBiasGrad(g, rows, OutFeatures, gb);
            }
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"Linear(in_features={InFeatures}, out_features={OutFeatures}, bias={(Bias is not null ? "True" : "False")})";

    private void CheckInput(FloatTensor input)
    {
        if (input.Rank == 0 || input.Shape[^1] != InFeatures)
        {
            throw new ArgumentException(
                $"Linear expects input of shape (*, {InFeatures}); got {FloatTensor.FormatShape(input.Shape)}.", nameof(input));
        }
    }

    private static void CheckPair(FloatTensor input, FloatTensor other, int lastDim, string name)
    {
        var a = input.Shape;
        var b = other.Shape;
        if (a.Length != b.Length || b[^1] != lastDim || !a[..^1].SequenceEqual(b[..^1]))
        {
            throw new ArgumentException(
                $"{name} has shape {FloatTensor.FormatShape(b)}; input {FloatTensor.FormatShape(a)} needs {FloatTensor.FormatShape(OutputShape(a, lastDim))}.", name);
        }
    }

    private static long[] OutputShape(ReadOnlySpan<long> inputShape, int lastDim)
    {
        var s = inputShape.ToArray();
        s[^1] = lastDim;
        return s;
    }

    /// <summary>Walks two tensors with the same leading dimensions in runs of first-dimension rows that are contiguous in
    /// both (one run for tensors that fit in one array), yielding each run of both and its count of last-dimension rows.</summary>
    private ref struct Segments
    {
        private readonly FloatTensor _a;
        private readonly FloatTensor _b;
        private long _row;
        private bool _started;

        public Segments(FloatTensor a, FloatTensor b)
        {
            (_a, _b) = (a, b);
            Current = default;
        }

        public Segment Current { get; private set; }

        public readonly Segments GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_a.IsSingleChunk && _b.IsSingleChunk)
            {
                if (_started)
                {
                    return false;
                }

                _started = true;
                var rows = (int)FloatTensor.Product(_a.Shape[..^1]);
                Current = new Segment(_a.AsSpan(), _b.AsSpan(), rows);
                return true;
            }

            // Multi-chunk (tensors over 2^30 floats): chunks hold whole first-dimension rows.
            if (_row >= _a.RowCount)
            {
                return false;
            }

            var run = Math.Min(RunLength(_a, _row), RunLength(_b, _row));
            var aSpan = Slice(_a, _row, run);
            var bSpan = Slice(_b, _row, run);
            _row += run;
            Current = new Segment(aSpan, bSpan, (int)(run * FloatTensor.Product(_a.Shape[1..^1])));
            return true;
        }

        private static long RunLength(FloatTensor t, long row)
        {
            var flat = row * t.RowLength;
            var inChunk = t.ChunkElements - (flat % t.ChunkElements);
            return Math.Min(t.RowCount - row, Math.Max(1, inChunk / Math.Max(1, t.RowLength)));
        }

        private static Span<float> Slice(FloatTensor t, long row, long rows)
        {
            var flat = row * t.RowLength;
            var chunk = (int)(flat / t.ChunkElements);
            return t.Chunk(chunk).Slice((int)(flat - (chunk * t.ChunkElements)), (int)(rows * t.RowLength));
        }
    }

    private readonly ref struct Segment(Span<float> a, Span<float> b, int rows)
    {
        private readonly Span<float> _a = a;
        private readonly Span<float> _b = b;

        public void Deconstruct(out Span<float> a, out Span<float> b, out int rows)
        {
            a = _a;
            b = _b;
            rows = Rows;
        }

        private int Rows { get; } = rows;
    }
}

using System.Diagnostics;
using EmbedSharp.Nn;
using EmbedSharp.Nn.Functional;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Training.Losses;
using EmbedSharp.Training.Optimizers;
using EmbedSharp.Training.Schedules;

namespace EmbedSharp.FastText;

/// <summary>A progress report of <see cref="ClassifierTrainer.Train"/>, every <see cref="FastTextOptions.LogEvery"/> steps.</summary>
/// <param name="Step">Steps done (1-based: the report after step <c>Step</c>).</param>
/// <param name="Epoch">The current epoch (0-based).</param>
/// <param name="Loss">Cross-entropy averaged over the steps since the previous report.</param>
/// <param name="Lr">The learning rate of this step.</param>
/// <param name="EmbeddingGradNorm">L2 norm of this step's gradient of the whole embedding table (duplicate rows summed);
/// 0 when the table is frozen.</param>
/// <param name="Elapsed">Time since training started.</param>
public readonly record struct TrainingStep(long Step, int Epoch, double Loss, double Lr, double EmbeddingGradNorm, TimeSpan Elapsed);

/// <summary>Reported after each epoch of <see cref="ClassifierTrainer.Train"/>.</summary>
/// <param name="Epoch">The epoch just finished (0-based).</param>
/// <param name="Steps">Steps done so far.</param>
/// <param name="MeanLoss">Mean training cross-entropy of the epoch.</param>
/// <param name="Elapsed">Time since training started.</param>
public readonly record struct EpochEnd(int Epoch, long Steps, double MeanLoss, TimeSpan Elapsed);

/// <summary>What a training run did.</summary>
/// <param name="Steps">Optimiser steps (examples seen).</param>
/// <param name="Tokens">Tokens seen (each example's words plus its end-of-sentence token, summed over epochs).</param>
/// <param name="LastEpochLoss">Mean training cross-entropy of the last epoch.</param>
/// <param name="Elapsed">Wall time of the training loop.</param>
public sealed record ClassifierTrainingResult(long Steps, long Tokens, double LastEpochLoss, TimeSpan Elapsed)
{
    /// <summary>Tokens per second of wall time (single thread: also per thread).</summary>
    public double TokensPerSecond => Elapsed > TimeSpan.Zero ? Tokens / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// Trains a <see cref="TextClassifier"/> as <c>fasttext supervised</c> does: one example per step (a minibatch of 1), the
/// examples in a fresh random order each epoch (<see cref="Generator.Randperm(Span{long})"/>, so the same generator
/// state gives the same order whatever the model), softmax cross-entropy, and the learning rate decayed linearly from
/// <c>Lr</c> to 0 over all steps (lr of step s = Lr·(1 − s/total), <see cref="LinearDecayLR"/>). A line with several
/// labels trains on one of them drawn uniformly each time, as fastText does.
/// </summary>
/// <remarks>
/// SGD: <see cref="Sgd"/> on both layers, the embedding with a sparse gradient (only the example's rows move, each by
/// −lr·∂L/∂hidden / n per occurrence): the same update as fastText's. Adam: <see cref="SparseAdam"/> on the embedding,
/// <see cref="Adam"/> on the output. A frozen table (<c>RequiresGrad = false</c>) or frozen rows are left bit-identical.
/// The step loop allocates nothing once warmed up. Single-threaded; results depend only on the inputs and the generator.
/// </remarks>
public static class ClassifierTrainer
{
    /// <summary>Trains <paramref name="model"/> in place on <paramref name="train"/> for <c>options.Epoch</c> epochs.</summary>
    /// <param name="model">The model; its table must have the dataset's rows and labels.</param>
    /// <param name="train">The training set.</param>
    /// <param name="options">Supervised options (start from <see cref="FastTextOptions.Supervised"/>): Epoch, Lr, Optimizer
    /// and LogEvery are used here (Dim, WordNgrams, Bucket, MinCount shaped the model and the data).</param>
    /// <param name="generator">Draws the order of each epoch (and the label of multi-label lines).</param>
    /// <param name="onStep">Called every LogEvery steps.</param>
    /// <param name="onEpoch">Called after each epoch (evaluate a test set here for per-epoch accuracy).</param>
    /// <param name="cancellationToken">Checked before every step.</param>
    /// <exception cref="ArgumentException">The model and the dataset do not fit (rows or labels differ).</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="OperationCanceledException">Cancelled (the model keeps the steps done).</exception>
    public static ClassifierTrainingResult Train(TextClassifier model, ClassificationDataset train, FastTextOptions options, Generator generator,
        Action<TrainingStep>? onStep = null, Action<EpochEnd>? onEpoch = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(generator);
        options.ValidateSupervised();
        CheckFits(model, train);

        var totalSteps = (long)train.Count * options.Epoch;
        if (FusedSgdWorker.Applies(model, options))
        {
            return TrainFused(model, train, options, totalSteps, generator, onStep, onEpoch, cancellationToken);
        }

        var (optimizers, schedulers) = CreateOptimizers(model, options, totalSteps);
        return Loop(new Worker(model, train.MaxFeatures, optimizers, schedulers), train, options, generator, onStep, onEpoch, cancellationToken);
    }

    /// <summary>The SGD path of <see cref="Train"/> as fastText runs it: one fused forward/backward/update per example on
    /// the raw rows (<see cref="FusedSgdWorker"/>), the learning rate of step s (0-based) Lr·max(0, 1 − s/total) as
    /// <see cref="LinearDecayLR"/> gives it. The same mathematics as the layer-by-layer path with <see cref="Sgd"/>; the
    /// float rounding differs (fused kernels), the order of examples and labels drawn does not.</summary>
    private static unsafe ClassifierTrainingResult TrainFused(TextClassifier model, ClassificationDataset train, FastTextOptions options, long totalSteps,
        Generator generator, Action<TrainingStep>? onStep, Action<EpochEnd>? onEpoch, CancellationToken cancellationToken)
    {
        fixed (float* table = model.Embedding.Weight.Value.AsSpan())
        fixed (float* output = model.Output.Weight.Value.AsSpan())
        {
            var worker = new FusedSgdWorker(table, model.Embedding.NumEmbeddings, output, model.LabelNames.Count, model.Dim, train.MaxFeatures,
                options.Lr, totalSteps);
            return Loop(worker, train, options, generator, onStep, onEpoch, cancellationToken);
        }
    }

    /// <summary>The epochs, the order and label draws, and the reports, shared by both step kinds.</summary>
    private static ClassifierTrainingResult Loop(IExampleStep worker, ClassificationDataset train, FastTextOptions options, Generator generator,
        Action<TrainingStep>? onStep, Action<EpochEnd>? onEpoch, CancellationToken cancellationToken)
    {
        var n = train.Count;
        var order = new long[n];
        var clock = Stopwatch.StartNew();
        long step = 0;
        long tokens = 0;
        double windowLoss = 0;
        var windowSteps = 0;
        double epochLoss = 0;
        for (var epoch = 0; epoch < options.Epoch; epoch++)
        {
            generator.Randperm(order);
            epochLoss = 0;
            for (var s = 0; s < n; s++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var i = (int)order[s];
                var labels = train.Labels(i);
                var target = labels.Length == 1 ? labels[0] : labels[(int)(generator.NextDouble() * labels.Length)];
                var lr = worker.Lr(step);
                step++;
                var report = step % options.LogEvery == 0;
                var loss = worker.Step(train.Features(i), target, lr, report, out var gradNorm);
                tokens += train.TokenCount(i);
                epochLoss += loss;
                windowLoss += loss;
                windowSteps++;
                if (report)
                {
                    onStep?.Invoke(new TrainingStep(step, epoch, windowLoss / windowSteps, lr, gradNorm, clock.Elapsed));
                    windowLoss = 0;
                    windowSteps = 0;
                }
            }

            epochLoss /= n;
            onEpoch?.Invoke(new EpochEnd(epoch, step, epochLoss, clock.Elapsed));
        }

        return new ClassifierTrainingResult(step, tokens, epochLoss, clock.Elapsed);
    }

    /// <summary>√(Σ_r c_r²)/n for the n features (c_r: the count of row r among them): ‖∂L/∂table‖₂ = ‖∂L/∂hidden‖₂ times
    /// this, since row r gets c_r·g/n. <paramref name="scratch"/> holds at least n entries.</summary>
    private static double RowCountNormFactor(ReadOnlySpan<long> features, long[] scratch)
    {
        var s = scratch.AsSpan(0, features.Length);
        features.CopyTo(s);
        s.Sort();
        double sumSquares = 0;
        var run = 1;
        for (var i = 1; i <= s.Length; i++)
        {
            if (i < s.Length && s[i] == s[i - 1])
            {
                run++;
                continue;
            }

            sumSquares += (double)run * run;
            run = 1;
        }

        return Math.Sqrt(sumSquares) / features.Length;
    }

    internal static void CheckFits(TextClassifier model, ClassificationDataset data)
    {
        if (data.Featurizer.Rows != model.Embedding.NumEmbeddings || data.LabelNames.Count != model.LabelNames.Count)
        {
            throw new ArgumentException(
                $"The dataset has {data.Featurizer.Rows} table rows ({data.Featurizer.Words.Count} words + {data.Featurizer.Bucket} buckets) and {data.LabelNames.Count} labels; " +
                $"the model has {model.Embedding.NumEmbeddings} rows and {model.LabelNames.Count} labels. Featurise the data with the model's Featurizer.", nameof(data));
        }
    }

    private static (Optimizer[] Optimizers, LinearDecayLR[] Schedulers) CreateOptimizers(TextClassifier model, FastTextOptions options, long totalSteps)
    {
        Optimizer[] optimizers = options.Optimizer switch
        {
            ClassifierOptimizer.Sgd => [new Sgd([model.Embedding.Weight, model.Output.Weight], new SgdOptions { Lr = options.Lr })],
            ClassifierOptimizer.Adam =>
            [
                new SparseAdam([model.Embedding.Weight], new SparseAdamOptions { Lr = options.Lr }),
                new Adam([model.Output.Weight], new AdamOptions { Lr = options.Lr }),
            ],
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "Unknown optimizer."),
        };
        return (optimizers, [.. optimizers.Select(o => new LinearDecayLR(o, totalSteps))]);
    }

    /// <summary>One training step of <see cref="Loop"/>.</summary>
    private interface IExampleStep
    {
        /// <summary>The learning rate of step <paramref name="step"/> (0-based), read before it runs.</summary>
        double Lr(long step);

        /// <summary>Forward, backward and update on one example; returns the cross-entropy before the update and, when
        /// <paramref name="wantNorm"/>, the norm of the table's gradient (0 when the table does not train).</summary>
        double Step(ReadOnlySpan<long> features, int target, double lr, bool wantNorm, out double gradNorm);
    }

    /// <summary>The layer-by-layer step with any optimiser: scratch buffers allocated once (fastText's
    /// <c>Model::State</c>), gradients accumulated in the parameters, then every optimiser and schedule stepped.</summary>
    private sealed class Worker : IExampleStep
    {
        private readonly TextClassifier _model;
        private readonly Parameter _table;
        private readonly FloatTensor _hidden;      // (1, dim)
        private readonly FloatTensor _gradHidden;  // (1, dim)
        private readonly FloatTensor _logits;      // (1, labels)
        private readonly FloatTensor _gradLogits;  // (1, labels)
        private readonly FloatTensor _loss = new(Array.Empty<long>());
        private readonly IndexTensor _target = new(new long[1], 1);
        private readonly CrossEntropyLoss _criterion = new();
        private readonly long[] _sorted;
        private readonly int[] _bagSize = new int[1];
        private readonly Optimizer[] _optimizers;
        private readonly LinearDecayLR[] _schedulers;

        public Worker(TextClassifier model, int maxFeatures, Optimizer[] optimizers, LinearDecayLR[] schedulers)
        {
            _model = model;
            _optimizers = optimizers;
            _schedulers = schedulers;
            _table = model.Embedding.Weight;
            _hidden = new FloatTensor(1, model.Dim);
            _gradHidden = new FloatTensor(1, model.Dim);
            _logits = new FloatTensor(1, model.LabelNames.Count);
            _gradLogits = new FloatTensor(1, model.LabelNames.Count);
            _sorted = new long[maxFeatures];
        }

        public double Lr(long step) => _optimizers[0].ParameterGroups[0].Lr;

        public double Step(ReadOnlySpan<long> features, int target, double lr, bool wantNorm, out double gradNorm)
        {
            ReadOnlySpan<long> offsets = TextClassifier.SingleBag;
            EmbeddingFunctions.BagForward(_table.Value, features, offsets, false, EmbeddingBagMode.Mean, default, null, _hidden.AsSpan(), default, _bagSize);
            _model.Output.Forward(_hidden, _logits);
            _target.AsWritableSpan()[0] = target;
            _criterion.Forward(_logits, _target, _loss);
            _criterion.Backward(_logits, _target, null, _gradLogits);
            var trainTable = _table.RequiresGrad;
            _model.Output.Backward(_hidden, _gradLogits, trainTable ? _gradHidden : null);
            gradNorm = 0;
            if (trainTable && features.Length > 0)
            {
                EmbeddingFunctions.BagSparseBackward(features, offsets, false, EmbeddingBagMode.Mean, default, null, false, _bagSize,
                    _gradHidden.AsSpan(), _table.SparseGradForAccumulation());
                if (wantNorm)
                {
                    gradNorm = System.Numerics.Tensors.TensorPrimitives.Norm(_gradHidden.AsSpan()) * RowCountNormFactor(features, _sorted);
                }
            }

            for (var o = 0; o < _optimizers.Length; o++)
            {
                _optimizers[o].Step();
                _optimizers[o].ZeroGrad();
                _schedulers[o].Step();
            }

            return _loss[0];
        }
    }

    /// <summary>
    /// fastText's supervised <c>Model::update</c> with the softmax loss on raw rows: hidden = mean of the example's n
    /// rows (all fetched first, their partial sums then held in registers); logits = W·hidden; p = softmax(logits);
    /// g = Σ_k (p_k − [k = target])·W_k (the rows of W before they move, = ∂L/∂hidden); W_k −= lr·(p_k − [k = target])·hidden;
    /// every row occurrence += −lr·g/n.
    /// Used when both layers train with plain SGD and nothing is frozen; scratch allocated once.
    /// </summary>
    private sealed unsafe class FusedSgdWorker : IExampleStep
    {
        private readonly float* _table;
        private readonly long _rows;
        private readonly float* _output;
        private readonly int _labels;
        private readonly int _dim;
        private readonly float* _hidden;
        private readonly float* _grad;
        private readonly float[] _scratch; // pinned: hidden and grad
        private readonly float[] _logits;
        private readonly long[] _sorted;
        private readonly double _lr;
        private readonly long _totalSteps;

        public FusedSgdWorker(float* table, long rows, float* output, int labels, int dim, int maxFeatures, double lr, long totalSteps)
        {
            _lr = lr;
            _totalSteps = totalSteps;
            _table = table;
            _rows = rows;
            _output = output;
            _labels = labels;
            _dim = dim;
            var stride = (dim + 7) & ~7;
            _scratch = GC.AllocateArray<float>((2 * stride) + 8, pinned: true);
            _hidden = (float*)(((nint)System.Runtime.CompilerServices.Unsafe.AsPointer(ref _scratch[0]) + 31) & ~(nint)31);
            _grad = _hidden + stride;
            _logits = new float[labels];
            _sorted = new long[maxFeatures];
        }

        /// <summary>Whether the fused path gives the layer-by-layer SGD result: SGD, both layers training, no frozen
        /// rows, no bias, the table in one block.</summary>
        public static bool Applies(TextClassifier model, FastTextOptions options) =>
            options.Optimizer == ClassifierOptimizer.Sgd
            && model.Embedding.Weight.RequiresGrad && !model.Embedding.Weight.HasFrozenRows && model.Embedding.Weight.Value.IsSingleChunk
            && model.Output.Weight.RequiresGrad && !model.Output.Weight.HasFrozenRows && model.Output.Bias is null;

        public double Lr(long step) => _lr * Math.Max(0.0, 1.0 - ((double)step / _totalSteps));

        public double Step(ReadOnlySpan<long> features, int target, double stepLr, bool wantNorm, out double gradNorm)
        {
            var lr = (float)stepLr;
            var dim = _dim;
            var hidden = _hidden;
            var count = features.Length;
            for (var i = 0; i < count; i++)
            {
                RowKernels.Prefetch(Row(features[i]), dim); // Row checks the row number
            }

            RowKernels.SumRows(hidden, _table, features, dim);
            if (count > 0)
            {
                RowKernels.Scale(hidden, 1f / count, dim);
            }

            var logits = _logits.AsSpan();
            var max = float.NegativeInfinity;
            for (var k = 0; k < logits.Length; k++)
            {
                logits[k] = RowKernels.Dot(_output + ((long)k * dim), hidden, dim);
                max = MathF.Max(max, logits[k]);
            }

            double z = 0;
            for (var k = 0; k < logits.Length; k++)
            {
                z += Math.Exp(logits[k] - max);
            }

            var loss = Math.Log(z) - (logits[target] - max);
            var grad = _grad;
            new Span<float>(grad, dim).Clear();
            for (var k = 0; k < logits.Length; k++)
            {
                var delta = (float)(Math.Exp(logits[k] - max) / z) - (k == target ? 1f : 0f); // ∂L/∂logit_k
                if (delta != 0)
                {
                    RowKernels.UpdateOutputScaled(grad, _output + ((long)k * dim), hidden, delta, -lr * delta, dim);
                }
            }

            gradNorm = wantNorm && count > 0
                ? System.Numerics.Tensors.TensorPrimitives.Norm(new ReadOnlySpan<float>(grad, dim)) * RowCountNormFactor(features, _sorted)
                : 0;
            if (count > 0)
            {
                RowKernels.Scale(grad, -lr / count, dim);
                RowKernels.AddToRows(_table, features, grad, dim);
            }

            return loss;
        }

        private float* Row(long row)
        {
            if ((ulong)row >= (ulong)_rows)
            {
                throw new ArgumentOutOfRangeException(nameof(row), $"Feature row {row} is outside the table of {_rows} rows.");
            }

            return _table + (row * _dim);
        }
    }
}

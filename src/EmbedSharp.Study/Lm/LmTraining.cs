using EmbedSharp.Autograd;
using EmbedSharp.Numerics;
using EmbedSharp.Randomness;
using EmbedSharp.Training;
using EmbedSharp.Training.Optimizers;
using EmbedSharp.Training.Schedules;

namespace EmbedSharp.Study.Lm;

/// <summary>How a <see cref="TinyLm"/> is trained: AdamW with a warm-up + cosine schedule and gradient clipping, on
/// random windows of the training tokens; the validation loss is measured every <see cref="EvalEvery"/> steps on fixed
/// windows.</summary>
/// <param name="Steps">Optimiser steps.</param>
/// <param name="Batch">Windows per step.</param>
/// <param name="Lr">Peak learning rate.</param>
/// <param name="WeightDecay">AdamW's decoupled weight decay.</param>
/// <param name="WarmupSteps">Linear warm-up from 10 % of the peak.</param>
/// <param name="ClipNorm">clip_grad_norm_'s bound.</param>
/// <param name="EvalEvery">Steps between validation measurements (and one after the last step).</param>
/// <param name="EvalWindows">Validation windows, evenly spaced over the validation tokens.</param>
public sealed record LmTrainingOptions(int Steps = 300, int Batch = 16, double Lr = 3e-3, double WeightDecay = 0.1, int WarmupSteps = 20,
    double ClipNorm = 1.0, int EvalEvery = 25, int EvalWindows = 32);

/// <summary>One validation measurement: the step, the training loss of that step and the validation loss (nats per
/// token).</summary>
public sealed record LmPoint(int Step, double TrainLoss, double ValidationLoss);

/// <summary>Trains the study's language model and records its curve.</summary>
public static class LmTraining
{
    /// <summary>Trains <paramref name="model"/> on <paramref name="train"/> and measures it on <paramref name="validation"/>
    /// (token ids below the model's vocabulary; each at least one context + 1 long). Windows are drawn from
    /// <paramref name="g"/>, so a run is a function of its seed.</summary>
    /// <exception cref="ArgumentException">A token stream is shorter than one window, or holds an id outside the vocabulary.</exception>
    public static IReadOnlyList<LmPoint> Train(TinyLm model, ReadOnlySpan<int> train, ReadOnlySpan<int> validation, LmTrainingOptions options, Generator g)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(g);
        var context = model.Config.Context;
        Check(train, model.Config, nameof(train));
        Check(validation, model.Config, nameof(validation));
        var optimizer = new AdamW(model.Parameters(), new AdamOptions { Lr = options.Lr, Beta1 = 0.9, Beta2 = 0.95, WeightDecay = options.WeightDecay });
        var schedule = new WarmupCosineLR(optimizer, options.WarmupSteps, options.Steps, minFactor: 0.1, startFactor: 0.1);
        var evalBatch = EvenWindows(validation, options.EvalWindows, context);
        var points = new List<LmPoint>();
        var windows = new long[options.Batch * (context + 1)];
        for (var step = 1; step <= options.Steps; step++)
        {
            for (var b = 0; b < options.Batch; b++)
            {
                var start = (int)(g.NextDouble() * (train.Length - context - 1));
                for (var j = 0; j <= context; j++)
                {
                    windows[(b * (context + 1)) + j] = train[start + j];
                }
            }

            model.ZeroGrad();
            var loss = model.Loss(new IndexTensor(windows, options.Batch, context + 1));
            loss.Backward();
            GradientClipping.ClipGradNorm(model.Parameters(), options.ClipNorm);
            optimizer.Step();
            schedule.Step();
            if (step % options.EvalEvery == 0 || step == options.Steps)
            {
                points.Add(new LmPoint(step, loss.Data.AsSpan()[0], Evaluate(model, evalBatch)));
            }
        }

        return points;
    }

    /// <summary>Mean next-token loss over <paramref name="windows"/> (B, context + 1), without recording a graph.</summary>
    public static double Evaluate(TinyLm model, IndexTensor windows)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var noGrad = Grad.Disable();
        return model.Loss(windows).Data.AsSpan()[0];
    }

    /// <summary><paramref name="count"/> windows of context + 1 tokens, evenly spaced over <paramref name="tokens"/>.</summary>
    public static IndexTensor EvenWindows(ReadOnlySpan<int> tokens, int count, int context)
    {
        if (count < 1 || tokens.Length < context + 1)
        {
            throw new ArgumentException($"Need at least one window of {context + 1} tokens; have {tokens.Length} tokens and {count} windows.", nameof(tokens));
        }

        var ids = new long[count * (context + 1)];
        var span = tokens.Length - context - 1;
        for (var w = 0; w < count; w++)
        {
            var start = count == 1 ? 0 : (int)((long)span * w / (count - 1));
            for (var j = 0; j <= context; j++)
            {
                ids[(w * (context + 1)) + j] = tokens[start + j];
            }
        }

        return new IndexTensor(ids, count, context + 1);
    }

    /// <summary>The first step at which the validation loss reached <paramref name="target"/>, or null.</summary>
    public static int? StepsToTarget(IReadOnlyList<LmPoint> curve, double target)
    {
        ArgumentNullException.ThrowIfNull(curve);
        return curve.FirstOrDefault(p => p.ValidationLoss <= target)?.Step;
    }

    private static void Check(ReadOnlySpan<int> tokens, TinyLmConfig config, string name)
    {
        if (tokens.Length < config.Context + 2)
        {
            throw new ArgumentException($"{tokens.Length} tokens are fewer than one window of {config.Context + 1} plus one.", name);
        }

        for (var i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)config.Vocab)
            {
                throw new ArgumentException($"Token {i} is {tokens[i]}, outside the vocabulary of {config.Vocab}.", name);
            }
        }
    }
}

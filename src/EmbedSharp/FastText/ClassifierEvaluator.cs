using EmbedSharp.Nn.Functional;

namespace EmbedSharp.FastText;

/// <summary>Test metrics of a classifier, as <c>fasttext test</c> reports them plus accuracy and loss.</summary>
/// <param name="Examples">Examples evaluated (fastText's N).</param>
/// <param name="K">Labels predicted per example.</param>
/// <param name="Accuracy">Fraction of examples whose most probable label is one of their gold labels.</param>
/// <param name="MeanLoss">Mean over examples of −(1/|gold|)·Σ_gold log p (the cross-entropy for single-label data).</param>
/// <param name="PrecisionAtK">Correct predicted labels / predicted labels (k per example, or all labels when there are
/// fewer than k: fastText's <c>Meter::precision</c>, = correct / (k·N) when k ≤ labels).</param>
/// <param name="RecallAtK">Correct predicted labels / gold labels (fastText's <c>Meter::recall</c>).</param>
public sealed record ClassificationMetrics(int Examples, int K, double Accuracy, double MeanLoss, double PrecisionAtK, double RecallAtK);

/// <summary>Evaluates a <see cref="TextClassifier"/> on a labelled dataset.</summary>
public static class ClassifierEvaluator
{
    /// <summary>Accuracy, mean loss, P@k and R@k over every example of <paramref name="data"/> (featurised with the
    /// model's vocabulary). Predictions are the k most probable labels (ties: lower label), threshold 0.</summary>
    /// <exception cref="ArgumentException">The dataset does not fit the model (rows or labels differ).</exception>
    /// <exception cref="ArgumentOutOfRangeException">k &lt; 1.</exception>
    public static ClassificationMetrics Evaluate(TextClassifier model, ClassificationDataset data, int k = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ClassifierTrainer.CheckFits(model, data);
        var labels = model.LabelNames.Count;
        var hidden = new float[model.Dim];
        var logits = new float[labels];
        var p = new float[labels];
        var order = new int[labels];
        var predictedPerExample = Math.Min(k, labels);
        long correctTop1 = 0, correct = 0, predicted = 0, gold = 0;
        double loss = 0;
        ReadOnlySpan<long> offsets = TextClassifier.SingleBag;
        Span<int> bagSize = stackalloc int[1];
        for (var i = 0; i < data.Count; i++)
        {
            EmbeddingFunctions.BagForward(model.Embedding.Weight.Value, data.Features(i), offsets, false, EmbeddingBagMode.Mean, default, null, hidden, default, bagSize);
            LinearFunctions.Forward(hidden, model.Output.Weight.Value.AsSpan(), default, 1, model.Dim, labels, logits);
            var max = System.Numerics.Tensors.TensorPrimitives.Max<float>(logits);
            double sum = 0;
            foreach (var v in logits)
            {
                sum += Math.Exp(v - max);
            }

            var lse = max + Math.Log(sum);
            for (var j = 0; j < labels; j++)
            {
                p[j] = (float)Math.Exp(logits[j] - lse);
            }

            TextClassifier.TopK(p, order);
            var goldLabels = data.Labels(i);
            double exampleLoss = 0;
            foreach (var g in goldLabels)
            {
                exampleLoss += lse - logits[g];
            }

            loss += exampleLoss / goldLabels.Length;
            gold += goldLabels.Length;
            predicted += predictedPerExample;
            for (var r = 0; r < predictedPerExample; r++)
            {
                if (goldLabels.Contains(order[r]))
                {
                    correct++;
                    if (r == 0)
                    {
                        correctTop1++;
                    }
                }
            }
        }

        var n = data.Count;
        return new ClassificationMetrics(n, k, (double)correctTop1 / n, loss / n, (double)correct / predicted, (double)correct / gold);
    }
}

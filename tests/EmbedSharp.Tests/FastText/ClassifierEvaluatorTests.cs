using EmbedSharp.FastText;
using EmbedSharp.Randomness;
using EmbedSharp.Tokenization;

namespace EmbedSharp.Tests.FastText;

public sealed class ClassifierEvaluatorTests
{
    [Fact]
    public void Precision_and_recall_at_k_follow_fastText_test_on_a_hand_example()
    {
        // Rows: </s> = (0, 0), a = (1, 0), b = (0, 2); output rows l0 = (1, 0), l1 = (0, 1), l2 = (−1, −1).
        // "a" → hidden (0.5, 0) → logits (0.5, 0, −0.5): order l0, l1, l2.  "b" → hidden (0, 1) → logits (0, 1, −1): order l1, l0, l2.
        var featurizer = new TextFeaturizer(new Vocabulary(["</s>", "a", "b"]));
        var model = new TextClassifier(featurizer, ["l0", "l1", "l2"], 2, new Generator(0));
        model.Embedding.Weight.Value.CopyFrom([0, 0, 1, 0, 0, 2]);
        model.Output.Weight.Value.CopyFrom([1, 0, 0, 1, -1, -1]);
        var path = Path.Combine(Path.GetTempPath(), $"embedsharp-eval-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, "__label__l0 __label__l2 a\n__label__l0 b\n");
        try
        {
            var data = ClassificationDataset.FromFastTextFile(path, featurizer, model.LabelNames);
            var m1 = ClassifierEvaluator.Evaluate(model, data, 1);
            Assert.Equal(2, m1.Examples);
            Assert.Equal(0.5, m1.Accuracy);
            Assert.Equal(0.5, m1.PrecisionAtK);     // 1 correct of 2 predicted
            Assert.Equal(1.0 / 3, m1.RecallAtK, 12); // 1 correct of 3 gold
            var m2 = ClassifierEvaluator.Evaluate(model, data, 2);
            Assert.Equal(0.5, m2.PrecisionAtK);      // 2 of 4
            Assert.Equal(2.0 / 3, m2.RecallAtK, 12);
            var m5 = ClassifierEvaluator.Evaluate(model, data, 5); // only 3 labels: 3 predictions each
            Assert.Equal(0.5, m5.PrecisionAtK);      // 3 of 6
            Assert.Equal(1.0, m5.RecallAtK);

            static double Lse(params double[] x) => Math.Log(x.Sum(Math.Exp));
            var loss1 = ((Lse(0.5, 0, -0.5) - 0.5) + (Lse(0.5, 0, -0.5) + 0.5)) / 2;
            var loss2 = Lse(0, 1, -1) - 0;
            Assert.Equal((loss1 + loss2) / 2, m1.MeanLoss, 6);

            var top = model.Predict(data.Features(1), 2);
            Assert.Equal(["l1", "l0"], top.Select(p => p.Name));
            Assert.Equal(Math.Exp(1 - Lse(0, 1, -1)), top[0].Probability, 6);
            Assert.Equal(3, model.Predict(["a"], 10).Length);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

using System.Numerics.Tensors;
using EmbedSharp.FastText;

namespace EmbedSharp.Tests.FastText;

public sealed class HierarchicalSoftmaxTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("embedsharp-hs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Huffman_paths_and_codes_follow_fastTexts_build_rules()
    {
        // counts 5 4 3 2 1 (leaves 0..4). By fastText's rules (a leaf wins only when strictly smaller):
        // node 5 = {4, 3} (count 3); node 6 = {node 5, leaf 2} (the tie 3 vs 3 goes to the inner node); node 7 = {1, 0};
        // node 8 = {node 6, node 7}. Output row = node − 5; code true = right child.
        var tree = HuffmanTree.Build([5, 4, 3, 2, 1]);
        int[][] paths = [[2, 3], [2, 3], [1, 3], [0, 1, 3], [0, 1, 3]];
        bool[][] codes = [[true, true], [false, true], [true, false], [true, false, false], [false, false, false]];
        for (var w = 0; w < 5; w++)
        {
            Assert.Equal(paths[w], tree.Path(w).ToArray());
            Assert.Equal(codes[w], tree.Code(w).ToArray());
        }

        Assert.Equal(3, tree.MaxDepth);
    }

    [Fact]
    public void A_single_word_has_an_empty_path_and_equal_counts_give_a_balanced_tree()
    {
        Assert.Empty(HuffmanTree.Build([7]).Path(0).ToArray());
        var tree = HuffmanTree.Build([1, 1, 1, 1]);
        for (var w = 0; w < 4; w++)
        {
            Assert.Equal(2, tree.Path(w).Length);
            Assert.Equal(2, tree.Path(w)[^1]); // the root is the last inner node
        }

        // Codes differ between any two words: the tree is a prefix code.
        var all = Enumerable.Range(0, 4).Select(w => string.Concat(tree.Code(w).ToArray().Select(b => b ? '1' : '0'))).ToArray();
        Assert.Equal(4, all.Distinct().Count());
        Assert.Throws<ArgumentException>(() => HuffmanTree.Build([]));
    }

    [Theory]
    [InlineData(FastTextModelKind.SkipGram, FastTextLoss.HierarchicalSoftmax)]
    [InlineData(FastTextModelKind.Cbow, FastTextLoss.HierarchicalSoftmax)]
    [InlineData(FastTextModelKind.SkipGram, FastTextLoss.Softmax)]
    public void Training_with_hierarchical_softmax_or_softmax_learns_the_topics(FastTextModelKind model, FastTextLoss loss)
    {
        var corpus = TopicCorpus(out var topics);
        var options = new FastTextOptions
        {
            Model = model,
            Loss = loss,
            Dim = 16,
            Epoch = 5,
            Bucket = 500,
            Thread = 1,
            Seed = 7,
            T = 0.1,
            MinCount = 1,
            Lr = 0.05,
        };
        var result = new WordVectorTrainer(options).Train(corpus);
        Assert.True(result.EpochLosses[^1] < result.EpochLosses[0], $"losses {string.Join(", ", result.EpochLosses)}");
        var all = topics.SelectMany(t => t).Distinct().ToArray();
        var vectors = all.ToDictionary(w => w, w =>
        {
            var v = new float[16];
            result.GetWordVector(w, v);
            return v;
        });
        var misses = 0;
        foreach (var topic in topics)
        {
            foreach (var w in topic)
            {
                misses += all.Where(o => o != w)
                    .OrderByDescending(o => TensorPrimitives.CosineSimilarity(vectors[w], vectors[o])).Take(5)
                    .Count(n => !topic.Contains(n));
            }
        }

        Assert.True(misses <= 6, $"{misses} of {all.Length * 5} top-5 neighbours are from the other topic");
        var bin = Path.Combine(_dir, "hs.bin");
        result.SaveBin(bin);
        Assert.Equal(loss == FastTextLoss.Softmax ? EmbedSharp.FastText.FastTextLoss.Softmax : EmbedSharp.FastText.FastTextLoss.HierarchicalSoftmax,
            EmbedSharp.FastText.FastTextModel.Load(bin).Args.Loss);
    }

    [Fact]
    public void Neg_may_be_zero_with_hierarchical_softmax_but_not_with_negative_sampling()
    {
        _ = new WordVectorTrainer(new FastTextOptions { Loss = FastTextLoss.HierarchicalSoftmax, Neg = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new WordVectorTrainer(new FastTextOptions { Neg = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WordVectorTrainer(new FastTextOptions { Loss = (FastTextLoss)9 }));
    }

    private string TopicCorpus(out string[][] topics) => FastText.TopicCorpus.Write(_dir, out topics);
}

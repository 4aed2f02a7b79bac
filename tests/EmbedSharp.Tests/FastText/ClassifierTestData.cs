using EmbedSharp.FastText;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.FastText;

/// <summary>A small synthetic, linearly separable corpus: each class has its own cue words, all share filler words.</summary>
internal static class ClassifierTestData
{
    public static readonly string[] LabelNames = ["sport", "music", "food"];

    private static readonly string[][] Cues =
    [
        ["goal", "match", "team", "coach", "league"],
        ["guitar", "song", "album", "band", "chorus"],
        ["recipe", "bread", "spice", "oven", "flavour"],
    ];

    private static readonly string[] Filler = ["the", "a", "and", "of", "it", "was", "very", "today", "we", "they"];

    public static List<LabeledText> Make(int count, ulong seed)
    {
        var g = new Generator(seed);
        var list = new List<LabeledText>(count);
        for (var i = 0; i < count; i++)
        {
            var label = i % 3;
            var words = new List<string>();
            var length = 4 + (int)(g.NextDouble() * 8);
            for (var w = 0; w < length; w++)
            {
                words.Add(g.NextDouble() < 0.3 ? Cues[label][(int)(g.NextDouble() * 5)] : Filler[(int)(g.NextDouble() * Filler.Length)]);
            }

            words.Add(Cues[label][i % 5]); // at least one cue
            list.Add(new LabeledText(string.Join(' ', words), label));
        }

        return list;
    }

    public static string WriteFastText(IEnumerable<LabeledText> examples)
    {
        var path = Path.Combine(Path.GetTempPath(), $"embedsharp-cls-{Guid.NewGuid():N}.txt");
        File.WriteAllLines(path, examples.Select(e => $"{ClassificationDataset.LabelPrefix}{LabelNames[e.Label]} {e.Text}"));
        return path;
    }
}

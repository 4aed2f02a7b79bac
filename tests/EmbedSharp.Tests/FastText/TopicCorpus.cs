using System.Text;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tests.FastText;

/// <summary>A synthetic corpus for trainer tests: two disjoint topics of 12 random six-letter "words" each; every
/// sentence (one line) draws 10 words from one topic, alternating. Fixed seed, so the same file every time.</summary>
internal static class TopicCorpus
{
    /// <summary>Writes the corpus to <paramref name="directory"/>/topics.txt and returns its path.</summary>
    public static string Write(string directory, out string[][] topics, int sentences = 1500)
    {
        var g = new Generator(42UL);
        string Word()
        {
            var sb = new StringBuilder();
            for (var i = 0; i < 6; i++)
            {
                sb.Append((char)('a' + (int)(g.Random() % 26)));
            }

            return sb.ToString();
        }

        topics = [[.. Enumerable.Range(0, 12).Select(_ => Word())], [.. Enumerable.Range(0, 12).Select(_ => Word())]];
        var text = new StringBuilder();
        for (var s = 0; s < sentences; s++)
        {
            var topic = topics[s % 2];
            for (var w = 0; w < 10; w++)
            {
                text.Append(topic[g.Random() % 12]).Append(' ');
            }

            text.Append('\n');
        }

        var path = Path.Combine(directory, "topics.txt");
        File.WriteAllText(path, text.ToString());
        return path;
    }
}

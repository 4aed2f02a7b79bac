using System.Runtime.InteropServices;

namespace EmbedSharp.Tokenization.SentencePiece;

public static partial class UnigramTrainer
{
    private const int NoFollower = int.MinValue;
    private const int LineBoundary = -1;

    /// <summary>A substring's count and whether two of its occurrences are followed by different characters (it is
    /// then an internal node of the corpus's suffix tree, which is what spm_train seeds from).</summary>
    private struct SubstringStat
    {
        public long Count;
        public int Follower;
        public bool Branching;

        public void Follow(int next)
        {
            if (Follower == NoFollower)
            {
                Follower = next;
            }
            else if (Follower != next)
            {
                Branching = true;
            }
        }
    }

    /// <summary>The seed vocabulary (coded keys, log-probability scores): the required characters, then the valid
    /// branching substrings with the highest count × length, up to the seed size (spm_train's MakeSeedSentencePieces).</summary>
    private static List<(string Key, double Score)> SeedPieces(TrainingCorpus corpus, UnigramTrainerOptions options, HashSet<string> metaTexts, CancellationToken cancellationToken)
    {
        var table = new Dictionary<string, SubstringStat>(StringComparer.Ordinal);
        var lookup = table.GetAlternateLookup<ReadOnlySpan<char>>();
        var capacity = Math.Max(2L * options.SeedSentencePieceSize, 1L << 20);
        var ws = corpus.WhitespaceCode;
        var maxLength = options.MaxPieceLength;
        for (var u = 0; u < corpus.UnitCount; u++)
        {
            if ((u & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var unit = corpus.Unit(u);
            var count = corpus.Counts[u];
            var lineEnds = corpus.LineEnds[u];
            for (var i = 0; i < unit.Length; i++)
            {
                var script = UnicodeScripts.Any;
                for (var length = 1; length <= maxLength && i + length <= unit.Length; length++)
                {
                    var c = unit[i + length - 1];
                    if (c == '\0' || c == corpus.TabCode)
                    {
                        break;   // unknown characters and tabs never sit in a piece
                    }

                    var valid = true;
                    if (c == ws)
                    {
                        if (length > 1)
                        {
                            if (options.SplitByWhitespace)
                            {
                                break;   // ▁ only starts a piece
                            }

                            valid = false;   // inside a piece, but not at its end
                        }
                    }
                    else
                    {
                        var s = corpus.ScriptOf(c);
                        if (s == UnicodeScripts.Inherited)
                        {
                            s = script;
                        }

                        if (options.SplitByUnicodeScript && s != UnicodeScripts.Any && script != UnicodeScripts.Any && s != script)
                        {
                            break;
                        }

                        script = s;
                    }

                    if (length < 2 || !valid)
                    {
                        continue;
                    }

                    ref var stat = ref CollectionsMarshal.GetValueRefOrAddDefault(lookup, unit.Slice(i, length), out var exists);
                    if (!exists)
                    {
                        stat.Follower = NoFollower;
                    }

                    stat.Count += count;
                    var end = i + length;
                    if (end < unit.Length)
                    {
                        stat.Follow(unit[end]);
                    }
                    else
                    {
                        if (count > lineEnds)
                        {
                            stat.Follow(ws);   // the next word's ▁
                        }

                        if (lineEnds > 0)
                        {
                            stat.Follow(LineBoundary);
                        }
                    }
                }
            }

            if (table.Count > capacity)
            {
                DropRarerHalf(table);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        var seeds = new List<(string Key, double Score)>();
        for (var id = 0; id < corpus.CharCount; id++)
        {
            seeds.Add((TrainingCorpus.CharKey(id), corpus.CharFrequency(id)));
        }

        var candidates = new List<(string Key, long Score)>();
        foreach (var (key, stat) in table)
        {
            if (stat.Branching && !(key.Length is >= 3 and <= 6 && metaTexts.Contains(corpus.Decode(key))))
            {
                candidates.Add((key, stat.Count * key.Length));
            }
        }

        table.Clear();
        candidates.Sort(static (a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : string.CompareOrdinal(a.Key, b.Key));
        foreach (var (key, score) in candidates)
        {
            if (seeds.Count >= options.SeedSentencePieceSize)
            {
                break;
            }

            seeds.Add((key, score));
        }

        var logSum = Math.Log(seeds.Sum(s => s.Score));
        for (var i = 0; i < seeds.Count; i++)
        {
            seeds[i] = (seeds[i].Key, Math.Log(seeds[i].Score) - logSum);
        }

        return seeds;
    }

    /// <summary>Keeps the substring table bounded: drops every entry counted no more than the median count.</summary>
    private static void DropRarerHalf(Dictionary<string, SubstringStat> table)
    {
        var counts = new long[table.Count];
        var n = 0;
        foreach (var stat in table.Values)
        {
            counts[n++] = stat.Count;
        }

        Array.Sort(counts);
        var median = counts[n / 2];
        foreach (var (key, stat) in table)
        {
            if (stat.Count <= median)
            {
                table.Remove(key);   // allowed while enumerating a Dictionary
            }
        }

        table.TrimExcess();
    }
}

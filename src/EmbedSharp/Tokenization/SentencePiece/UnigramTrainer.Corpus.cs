using System.Runtime.InteropServices;
using System.Text;

namespace EmbedSharp.Tokenization.SentencePiece;

public static partial class UnigramTrainer
{
    /// <summary>
    /// The normalised corpus as distinct training units (words starting at <c>▁</c>, or whole lines) with their counts.
    /// Each unit is stored in a compact code: character id + 1 as one UTF-16 unit per Unicode character (required
    /// characters get ids 0, 1… in order of falling frequency), 0 for a character outside the coverage. A piece's
    /// key is its text in the same code, so lattice positions are characters and substrings hash as spans.
    /// </summary>
    private sealed class TrainingCorpus
    {
        private static readonly string[] SmallKeys = [.. Enumerable.Range(0, 4096).Select(id => ((char)(id + 1)).ToString())];

        private readonly string[] charTexts;
        private readonly long[] charCounts;
        private readonly int[] scripts;
        private readonly char[] text;
        private readonly int[] offsets;   // units + 1

        private TrainingCorpus(string[] charTexts, long[] charCounts, char[] text, int[] offsets, long[] counts, long[] lineEnds)
        {
            this.charTexts = charTexts;
            this.charCounts = charCounts;
            this.text = text;
            this.offsets = offsets;
            Counts = counts;
            LineEnds = lineEnds;
            scripts = new int[charTexts.Length];
            WhitespaceCode = '\0';
            TabCode = '\0';
            for (var id = 0; id < charTexts.Length; id++)
            {
                var cp = char.ConvertToUtf32(charTexts[id], 0);
                scripts[id] = UnicodeScripts.Of(cp);
                if (cp == Whitespace)
                {
                    WhitespaceCode = (char)(id + 1);
                }
                else if (cp == '\t')
                {
                    TabCode = (char)(id + 1);
                }
            }
        }

        /// <summary>Number of required characters (ids 0 to CharCount − 1).</summary>
        public int CharCount => charTexts.Length;

        /// <summary>Number of distinct units.</summary>
        public int UnitCount => Counts.Length;

        /// <summary>How often each unit occurs.</summary>
        public long[] Counts { get; }

        /// <summary>How often each unit ends a line (its next character is a line boundary, not <c>▁</c>).</summary>
        public long[] LineEnds { get; }

        /// <summary>The code of <c>▁</c>, or 0 when it is not a required character.</summary>
        public char WhitespaceCode { get; }

        /// <summary>The code of a tab (never inside a piece, as in spm_train), or 0.</summary>
        public char TabCode { get; }

        /// <summary>The coded text of unit <paramref name="i"/>.</summary>
        public ReadOnlySpan<char> Unit(int i) => text.AsSpan(offsets[i], offsets[i + 1] - offsets[i]);

        /// <summary>The corpus count of character <paramref name="id"/>.</summary>
        public long CharFrequency(int id) => charCounts[id];

        /// <summary>The script class of a (non-zero) code.</summary>
        public int ScriptOf(char code) => scripts[code - 1];

        /// <summary>The key (one-character coded string) of character <paramref name="id"/>.</summary>
        public static string CharKey(int id) => id < SmallKeys.Length ? SmallKeys[id] : ((char)(id + 1)).ToString();

        /// <summary>The text of a coded key.</summary>
        public string Decode(ReadOnlySpan<char> key)
        {
            var builder = new StringBuilder(key.Length);
            foreach (var c in key)
            {
                builder.Append(charTexts[c - 1]);
            }

            return builder.ToString();
        }

        /// <summary>Normalises and counts <paramref name="lines"/>, picks the required characters and codes the units.</summary>
        public static TrainingCorpus Load(IEnumerable<string> lines, UnigramTrainerOptions options, int metaCount, CancellationToken cancellationToken)
        {
            var normalizer = new SentencePieceNormalizer(NormalizerSpec, treatWhitespaceAsSuffix: false, userDefined: null, filePath: null);
            var scratch = new EncodeScratch();
            var raw = new Dictionary<string, (long Count, long LineEnds)>(StringComparer.Ordinal);
            var rawLookup = raw.GetAlternateLookup<ReadOnlySpan<char>>();
            var chars = Array.Empty<char>();
            long lineNumber = 0;
            foreach (var line in lines)
            {
                lineNumber++;
                if (line is null)
                {
                    throw new ArgumentException(Invariant($"Line {lineNumber} of the corpus is null."), nameof(lines));
                }

                if ((lineNumber & 1023) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                scratch.EnsureInput(Encoding.UTF8.GetMaxByteCount(line.Length));
                var byteCount = Encoding.UTF8.GetBytes(line, scratch.Input);   // a lone surrogate becomes U+FFFD
                var n = normalizer.Normalize(scratch.Input.AsSpan(0, byteCount), scratch);
                if (n == 0)
                {
                    continue;
                }

                if (chars.Length < n)
                {
                    chars = new char[Math.Max(n, chars.Length * 2)];
                }

                var normalized = chars.AsSpan(0, Encoding.UTF8.GetChars(scratch.Normalized.AsSpan(0, n), chars));
                while (!normalized.IsEmpty)
                {
                    var end = normalized.Length;
                    if (options.SplitByWhitespace)
                    {
                        var next = normalized[1..].IndexOf(Whitespace);
                        end = next < 0 ? normalized.Length : next + 1;
                    }

                    ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(rawLookup, normalized[..end], out _);
                    entry.Count++;
                    if (end == normalized.Length)
                    {
                        entry.LineEnds++;
                    }

                    normalized = normalized[end..];
                }
            }

            if (raw.Count == 0)
            {
                throw new ArgumentException(lineNumber == 0
                    ? "The corpus is empty: there is no line to train on."
                    : Invariant($"The corpus holds no text: all {lineNumber} lines are empty or only whitespace."), nameof(lines));
            }

            // Character counts (with repetition, ▁ included, NUL left out as spm_train does) and the required set.
            var counts = new Dictionary<int, long>();
            long all = 0;
            foreach (var (unit, (count, _)) in raw)
            {
                foreach (var rune in unit.EnumerateRunes())
                {
                    if (rune.Value != 0)
                    {
                        CollectionsMarshal.GetValueRefOrAddDefault(counts, rune.Value, out _) += count;
                        all += count;
                    }
                }
            }

            var required = new List<(int CodePoint, long Count)>();
            long covered = 0;
            foreach (var (cp, count) in counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key))
            {
                if ((double)covered / all >= options.CharacterCoverage)
                {
                    break;
                }

                covered += count;
                required.Add((cp, count));
            }

            if (required.Count + metaCount >= options.VocabSize)
            {
                throw new ArgumentException(Invariant($"VocabSize {options.VocabSize} is too small: the corpus needs {required.Count} characters at CharacterCoverage {options.CharacterCoverage} plus {metaCount} special pieces; raise VocabSize above {required.Count + metaCount} or lower CharacterCoverage."), nameof(lines));
            }

            if (required.Count >= char.MaxValue)
            {
                throw new ArgumentException(Invariant($"The corpus needs {required.Count:N0} distinct characters at CharacterCoverage {options.CharacterCoverage}; at most {char.MaxValue - 1:N0} are supported. Lower CharacterCoverage."), nameof(lines));
            }

            var idOf = new Dictionary<int, int>(required.Count);
            for (var id = 0; id < required.Count; id++)
            {
                idOf[required[id].CodePoint] = id;
            }

            // Code the units; characters outside the coverage all become 0, so distinct words may merge.
            var coded = new Dictionary<string, (long Count, long LineEnds)>(raw.Count, StringComparer.Ordinal);
            var codedLookup = coded.GetAlternateLookup<ReadOnlySpan<char>>();
            var buffer = new List<char>();
            foreach (var (unit, (count, lineEnds)) in raw)
            {
                buffer.Clear();
                foreach (var rune in unit.EnumerateRunes())
                {
                    buffer.Add(idOf.TryGetValue(rune.Value, out var id) ? (char)(id + 1) : '\0');
                }

                ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(codedLookup, CollectionsMarshal.AsSpan(buffer), out _);
                entry.Count += count;
                entry.LineEnds += lineEnds;
            }

            raw.Clear();
            cancellationToken.ThrowIfCancellationRequested();

            // spm_train sorts the words by count, then by text; the coded text gives the same determinism.
            var units = coded.OrderByDescending(kv => kv.Value.Count).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToArray();
            var total = units.Sum(u => (long)u.Key.Length);
            if (total > Array.MaxLength)
            {
                throw new ArgumentException(Invariant($"The corpus's distinct words hold {total:N0} characters; at most {Array.MaxLength:N0} are supported."), nameof(lines));
            }

            var text = new char[total];
            var offsets = new int[units.Length + 1];
            var unitCounts = new long[units.Length];
            var unitLineEnds = new long[units.Length];
            var at = 0;
            for (var i = 0; i < units.Length; i++)
            {
                offsets[i] = at;
                units[i].Key.CopyTo(text.AsSpan(at));
                at += units[i].Key.Length;
                (unitCounts[i], unitLineEnds[i]) = units[i].Value;
            }

            offsets[^1] = at;
            var charTexts = required.Select(r => char.ConvertFromUtf32(r.CodePoint)).ToArray();
            return new TrainingCorpus(charTexts, [.. required.Select(r => r.Count)], text, offsets, unitCounts, unitLineEnds);
        }
    }
}

using System.Text.Json;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>A Hugging Face pre-tokenizer: cuts every piece that is not an added token into smaller pieces (and may
/// rewrite them, as ByteLevel and Metaspace do).</summary>
internal abstract class PreTokenizer
{
    /// <summary>Replaces <paramref name="pieces"/> by their splits; added-token pieces pass through.</summary>
    public virtual void PreTokenize(PieceBuffer buffer, List<Piece> pieces, EncodeScratch scratch)
    {
        var next = scratch.NextPieces;
        next.Clear();
        foreach (var piece in pieces)
        {
            if (piece.AddedId >= 0)
            {
                next.Add(piece);
            }
            else
            {
                Split(buffer, piece, scratch, next);
            }
        }

        pieces.Clear();
        pieces.AddRange(next);
    }

    /// <summary>Appends the non-empty splits of one piece to <paramref name="output"/>.</summary>
    protected abstract void Split(PieceBuffer buffer, Piece piece, EncodeScratch scratch, List<Piece> output);

    /// <summary>Reads the <c>pre_tokenizer</c> object at <paramref name="path"/>.</summary>
    public static PreTokenizer Parse(JsonSource json, JsonElement element, string path)
    {
        var type = json.Type(element, path);
        return type switch
        {
            "Sequence" => new SequencePreTokenizer(json, element, path),
            "ByteLevel" => new ByteLevelPreTokenizer(
                json.Bool(element, "add_prefix_space", path, true), json.Bool(element, "use_regex", path, true)),
            "Whitespace" => new WhitespacePreTokenizer(),
            "WhitespaceSplit" => new CharSplitPreTokenizer(CharSplitPreTokenizer.Kind.Whitespace, SplitBehavior.Removed),
            "BertPreTokenizer" => new BertPreTokenizerStep(),
            "Metaspace" => new MetaspacePreTokenizer(json, element, path),
            "Split" => new SplitPreTokenizer(json, element, path),
            "Punctuation" => new CharSplitPreTokenizer(CharSplitPreTokenizer.Kind.Punctuation,
                SplitPreTokenizer.ReadBehavior(json, element, path, SplitBehavior.Isolated)),
            "Digits" => new CharSplitPreTokenizer(CharSplitPreTokenizer.Kind.Digit,
                json.Bool(element, "individual_digits", path, false) ? SplitBehavior.Isolated : SplitBehavior.Contiguous),
            "CharDelimiterSplit" => new CharSplitPreTokenizer(ReadDelimiter(json, element, path), SplitBehavior.Removed),
            _ => throw json.Error($"{path}.type", $"the pre-tokenizer type \"{JsonSource.Excerpt(type)}\" is not supported (supported: Sequence, ByteLevel, Whitespace, WhitespaceSplit, BertPreTokenizer, Metaspace, Split, Punctuation, Digits, CharDelimiterSplit)."),
        };
    }

    private static int ReadDelimiter(JsonSource json, JsonElement element, string path)
    {
        var s = json.String(element, "delimiter", path);
        var runes = s.EnumerateRunes();
        return runes.MoveNext() && s.Length == runes.Current.Utf16SequenceLength ? runes.Current.Value
            : throw json.Error($"{path}.delimiter", "expected one character.");
    }

    /// <summary>Hugging Face's <c>Pattern::find_matches</c> for a regex: the matches and the gaps between them, in
    /// order, covering the piece (relative units).</summary>
    protected static void Segments(List<(int Start, int End)> matches, int length, bool invert, List<(int Start, int End, bool IsMatch)> segments)
    {
        segments.Clear();
        var previous = 0;
        foreach (var (s, e) in matches)
        {
            if (previous != s)
            {
                segments.Add((previous, s, invert));
            }

            segments.Add((s, e, !invert));
            previous = e;
        }

        if (previous != length)
        {
            segments.Add((previous, length, invert));
        }
    }

    /// <summary>Hugging Face's <c>NormalizedString::split</c>: applies <paramref name="behavior"/> to the segments and
    /// appends the non-empty pieces.</summary>
    protected static void Apply(Piece piece, List<(int Start, int End, bool IsMatch)> segments, SplitBehavior behavior, List<Piece> output)
    {
        var first = output.Count;
        var previousMatch = false;
        switch (behavior)
        {
            case SplitBehavior.Isolated:
                foreach (var (s, e, _) in segments)
                {
                    Add(output, piece, s, e);
                }

                break;
            case SplitBehavior.Removed:
                foreach (var (s, e, m) in segments)
                {
                    if (!m)
                    {
                        Add(output, piece, s, e);
                    }
                }

                break;
            case SplitBehavior.Contiguous or SplitBehavior.MergedWithPrevious:
                // Contiguous joins a segment to the previous one of its own kind; MergedWithPrevious joins a match to
                // the non-match before it.
                var contiguous = behavior == SplitBehavior.Contiguous;
                foreach (var (s, e, m) in segments)
                {
                    var merge = contiguous ? m == previousMatch : m && !previousMatch;
                    if (merge && output.Count > first)
                    {
                        output[^1] = output[^1] with { End = piece.Start + e };
                    }
                    else
                    {
                        output.Add(new Piece(piece.Start + s, piece.Start + e));
                    }

                    previousMatch = m;
                }

                RemoveEmpty(output, first);
                break;
            case SplitBehavior.MergedWithNext:
                for (var k = segments.Count - 1; k >= 0; k--)
                {
                    var (s, e, m) = segments[k];
                    if (m && !previousMatch && output.Count > first)
                    {
                        output[^1] = output[^1] with { Start = piece.Start + s };
                    }
                    else
                    {
                        output.Add(new Piece(piece.Start + s, piece.Start + e));
                    }

                    previousMatch = m;
                }

                output.Reverse(first, output.Count - first);
                RemoveEmpty(output, first);
                break;
        }
    }

    private static void Add(List<Piece> output, Piece piece, int s, int e)
    {
        if (e > s)
        {
            output.Add(new Piece(piece.Start + s, piece.Start + e));
        }
    }

    private static void RemoveEmpty(List<Piece> output, int first)
    {
        for (var k = output.Count - 1; k >= first; k--)
        {
            if (output[k].Length == 0)
            {
                output.RemoveAt(k);
            }
        }
    }
}

/// <summary>What a split does with the delimiters it finds (Hugging Face <c>SplitDelimiterBehavior</c>).</summary>
internal enum SplitBehavior
{
    /// <summary>Dropped.</summary>
    Removed,

    /// <summary>Pieces of their own.</summary>
    Isolated,

    /// <summary>Appended to the piece before.</summary>
    MergedWithPrevious,

    /// <summary>Prepended to the piece after.</summary>
    MergedWithNext,

    /// <summary>Consecutive delimiters form one piece.</summary>
    Contiguous,
}

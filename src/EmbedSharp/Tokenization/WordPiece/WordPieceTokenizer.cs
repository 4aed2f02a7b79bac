using System.Text;

namespace EmbedSharp.Tokenization.WordPiece;

/// <summary>
/// BERT's WordPiece over a <c>vocab.txt</c> (one token per line, id = line − 1; torchtext <c>BERTTokenizer</c>, HF
/// <c>BertTokenizer</c>): <see cref="BertPreTokenizer"/> words, each cut greedily longest-match-first, pieces after
/// the first looked up as <c>##piece</c>; a word with no complete cut, or longer than <see cref="MaxInputCharsPerWord"/>
/// code points, becomes the single unknown token. <see cref="Decode"/> joins tokens with spaces and glues <c>##</c>
/// pieces to the previous token, so <c>Decode(Encode(x).Ids)</c> is the basic-tokenised words of x joined by single
/// spaces when no word became unknown.
/// </summary>
public sealed class WordPieceTokenizer : ITokenizer
{
    /// <summary>The prefix of a word-continuing piece.</summary>
    public const string ContinuationPrefix = "##";

    /// <summary>BERT's unknown token.</summary>
    public const string DefaultUnknownToken = "[UNK]";

    /// <summary>BERT's special tokens (Hugging Face <c>BertTokenizer</c>'s unk, sep, pad, cls and mask tokens): those of
    /// them in the vocabulary are <see cref="SpecialTokens"/> unless <see cref="WithSpecialTokens"/> says otherwise.</summary>
    public static IReadOnlyList<string> BertSpecialTokens { get; } = ["[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"];

    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _whole;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _continuation;
    private readonly SpecialTokenMatcher _special;

    /// <summary>Creates a tokenizer over tokens in id order.</summary>
    /// <param name="tokens">The vocabulary, id i = element i; must hold <paramref name="unknownToken"/>.</param>
    /// <param name="lowerCase">Lower-case the text (an uncased model); torchtext <c>do_lower_case</c>.</param>
    /// <param name="stripAccents">Strip accents (NFD, drop Mn); null: the same as <paramref name="lowerCase"/>.</param>
    /// <param name="unknownToken">The token for words that cannot be cut.</param>
    /// <param name="maxInputCharsPerWord">Longer words (in code points) become the unknown token.</param>
    /// <remarks>A token that appears more than once maps to its <b>last</b> id, as Hugging Face's <c>load_vocab</c> and
    /// its Rust <c>WordPiece</c> build the map (later lines overwrite earlier ones); the earlier ids stay in the
    /// vocabulary (<see cref="VocabSize"/> counts every line, as the model's embedding table does) but no text encodes to
    /// them. <see cref="ShadowedIds"/> lists them. Hugging Face's slow tokenizer turns such an id back into the unknown
    /// token; <see cref="IdToToken"/> gives the line's own text.</remarks>
    /// <exception cref="ArgumentException">A token is null, or the vocabulary lacks <paramref name="unknownToken"/>.</exception>
    public WordPieceTokenizer(IReadOnlyList<string> tokens, bool lowerCase = true, bool? stripAccents = null,
        string unknownToken = DefaultUnknownToken, int maxInputCharsPerWord = 100)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(unknownToken);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInputCharsPerWord, 1);
        _tokens = [.. tokens];
        _ids = new Dictionary<string, int>(_tokens.Length, StringComparer.Ordinal);
        var continuation = new Dictionary<string, int>(StringComparer.Ordinal);
        var shadowed = new List<int>();
        for (var i = 0; i < _tokens.Length; i++)
        {
            var token = _tokens[i] ?? throw new ArgumentException($"Token {i} is null.", nameof(tokens));
            if (_ids.TryGetValue(token, out var earlier))
            {
                shadowed.Add(earlier); // the last id wins, as Hugging Face's map
            }

            _ids[token] = i;
            if (token.StartsWith(ContinuationPrefix, StringComparison.Ordinal) && token.Length > ContinuationPrefix.Length)
            {
                continuation[token[ContinuationPrefix.Length..]] = i;
            }
        }

        UnknownId = _ids.TryGetValue(unknownToken, out var unk) ? unk
            : throw new ArgumentException($"The vocabulary has no unknown token '{unknownToken}'.", nameof(tokens));
        LowerCase = lowerCase;
        StripAccents = stripAccents ?? lowerCase;
        MaxInputCharsPerWord = maxInputCharsPerWord;
        shadowed.Sort();
        ShadowedIds = shadowed;
        _whole = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
        _continuation = continuation.GetAlternateLookup<ReadOnlySpan<char>>();
        _special = new SpecialTokenMatcher(BertSpecialTokens.Where(_ids.ContainsKey), _ids);
    }

    private WordPieceTokenizer(WordPieceTokenizer source, SpecialTokenMatcher special)
    {
        _tokens = source._tokens;
        _ids = source._ids;
        _whole = source._whole;
        _continuation = source._continuation;
        UnknownId = source.UnknownId;
        LowerCase = source.LowerCase;
        StripAccents = source.StripAccents;
        MaxInputCharsPerWord = source.MaxInputCharsPerWord;
        ShadowedIds = source.ShadowedIds;
        _special = special;
    }

    /// <summary>Reads a BERT <c>vocab.txt</c> (UTF-8, one token per line, '\r\n' accepted). A token on more than one line
    /// maps to its last line's id, as Hugging Face loads the file; <see cref="ShadowedIds"/> lists the earlier ids (the
    /// command line warns about them).</summary>
    /// <exception cref="TokenizerFormatException">The file is not UTF-8, a line is longer than 1 Mi
    /// characters, the file holds more than 16 Mi lines, or there is no <c>[UNK]</c> (the message names the file and,
    /// where one applies, the line). The file is read once from start to end, so a pipe works.</exception>
    public static WordPieceTokenizer Load(string path, bool lowerCase = true, bool? stripAccents = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var lines = Utf8LineFile.ReadAllLines(path, "a WordPiece vocab.txt (one token per line)");
        if (!lines.Contains(DefaultUnknownToken))
        {
            throw new TokenizerFormatException(path, null, $"the vocabulary has no {DefaultUnknownToken} token (needed for words it cannot cut).");
        }

        return new WordPieceTokenizer(lines, lowerCase, stripAccents);
    }

    /// <summary>Writes the vocabulary as <c>vocab.txt</c>: one token per line, UTF-8, '\n', atomically.</summary>
    public void Save(string path) => new Vocabulary(_tokens).Save(path);

    /// <inheritdoc/>
    public int VocabSize => _tokens.Length;

    /// <summary>Ids whose token appears again at a later id (ascending): the later id wins, so no text encodes to these.
    /// Empty for a vocabulary without repeats.</summary>
    public IReadOnlyList<int> ShadowedIds { get; }

    /// <summary>The id of the unknown token.</summary>
    public int UnknownId { get; }

    /// <summary>Whether the text is lower-cased.</summary>
    public bool LowerCase { get; }

    /// <summary>Whether accents are stripped.</summary>
    public bool StripAccents { get; }

    /// <summary>Words longer than this (in code points) become the unknown token.</summary>
    public int MaxInputCharsPerWord { get; }

    /// <summary>Tokens matched in the raw text before normalisation and kept whole, as Hugging Face's
    /// <c>BertTokenizer</c> keeps its special tokens (<c>Paris is the [MASK] of France.</c> gives <c>[MASK]</c>, id 103 in
    /// bert-base-uncased): case-sensitive, at the earliest position, the longest at that position, anywhere in the text
    /// (also inside a word). By default the <see cref="BertSpecialTokens"/> that the vocabulary holds.</summary>
    public IReadOnlyList<string> SpecialTokens => _special.Tokens;

    /// <summary>A tokenizer over the same vocabulary whose <see cref="SpecialTokens"/> are <paramref name="tokens"/>
    /// (Hugging Face's special and added tokens). Pass an empty list to split <c>[MASK]</c> like any other text, as
    /// torchtext's <c>BERTTokenizer</c> without <c>never_split</c> does.</summary>
    /// <exception cref="ArgumentException">A token is null or empty, or not in the vocabulary.</exception>
    public WordPieceTokenizer WithSpecialTokens(IEnumerable<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var list = tokens.ToList();
        foreach (var token in list)
        {
            if (string.IsNullOrEmpty(token) || !_ids.ContainsKey(token))
            {
                throw new ArgumentException($"The special token '{token}' is not in the vocabulary.", nameof(tokens));
            }
        }

        return new WordPieceTokenizer(this, new SpecialTokenMatcher(list, _ids));
    }

    /// <inheritdoc/>
    /// <remarks>Text between <see cref="SpecialTokens"/> is normalised, split into words and cut; each special token in
    /// the text becomes its own id.</remarks>
    public TokenEncoding Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 4 + 4);
        var spans = new List<TokenSpan>(text.Length / 4 + 4);
        var from = 0;
        while (_special.Find(text, from, out var at, out var length, out var specialId))
        {
            EncodeSegment(text, from, at, ids, spans);
            ids.Add(specialId);
            spans.Add(new TokenSpan(at, length));
            from = at + length;
        }

        EncodeSegment(text, from, text.Length, ids, spans);
        var idArray = ids.ToArray();
        var tokens = new string[idArray.Length];
        for (var i = 0; i < tokens.Length; i++)
        {
            tokens[i] = _tokens[idArray[i]];
        }

        return new TokenEncoding(idArray, tokens, [.. spans]);
    }

    /// <summary>Appends the ids of <see cref="Encode"/>(<paramref name="text"/>) to <paramref name="ids"/> without
    /// building token strings or spans (the same cut, the same ids).</summary>
    public void EncodeIds(string text, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(ids);
        var from = 0;
        while (_special.Find(text, from, out var at, out var length, out var specialId))
        {
            EncodeSegmentIds(text, from, at, ids);
            ids.Add(specialId);
            from = at + length;
        }

        EncodeSegmentIds(text, from, text.Length, ids);
    }

    private void EncodeSegmentIds(string text, int start, int end, List<int> ids)
    {
        if (start >= end)
        {
            return;
        }

        var segment = start == 0 && end == text.Length ? text : text[start..end];
        var normalized = BertPreTokenizer.Normalize(segment, LowerCase, StripAccents, trackSources: false);
        var buffer = normalized.Text.ToString();
        foreach (var (wordStart, length) in normalized.Words)
        {
            var before = ids.Count;
            if (!TryCut(buffer.AsSpan(wordStart, length), 0, null, ids, null))
            {
                ids.RemoveRange(before, ids.Count - before);
                ids.Add(UnknownId);
            }
        }
    }

    private void EncodeSegment(string text, int start, int end, List<int> ids, List<TokenSpan> spans)
    {
        if (start >= end)
        {
            return;
        }

        // Without a special token in the text this is the whole string, so only texts that hold one pay for a copy.
        var segment = start == 0 && end == text.Length ? text : text[start..end];
        var normalized = BertPreTokenizer.Normalize(segment, LowerCase, StripAccents);
        var buffer = normalized.Text.ToString();
        var first = spans.Count;
        foreach (var (wordStart, length) in normalized.Words)
        {
            var word = buffer.AsSpan(wordStart, length);
            var before = ids.Count;
            if (!TryCut(word, wordStart, normalized, ids, spans))
            {
                ids.RemoveRange(before, ids.Count - before);
                spans.RemoveRange(before, spans.Count - before);
                ids.Add(UnknownId);
                spans.Add(normalized.SourceSpan(wordStart, wordStart + length));
            }
        }

        if (start != 0)
        {
            for (var i = first; i < spans.Count; i++)
            {
                spans[i] = spans[i] with { Start = spans[i].Start + start };
            }
        }
    }

    /// <summary>The pieces of one already-normalised word, or null when it has no complete cut (it would be
    /// <c>[UNK]</c>).</summary>
    public string[]? CutWord(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        var normalized = new BertPreTokenizer.NormalizedText(word.Length);
        for (var i = 0; i < word.Length; i++)
        {
            normalized.Append(word[i], i, 1);
        }

        var ids = new List<int>();
        return TryCut(word, 0, normalized, ids, []) ? [.. ids.Select(id => _tokens[id])] : null;
    }

    private bool TryCut(ReadOnlySpan<char> word, int offset, BertPreTokenizer.NormalizedText? normalized, List<int> ids, List<TokenSpan>? spans)
    {
        var codePoints = word.Length;
        if (word.Length > MaxInputCharsPerWord)
        {
            codePoints = 0;
            foreach (var c in word)
            {
                codePoints += char.IsLowSurrogate(c) ? 0 : 1;
            }
        }

        if (codePoints > MaxInputCharsPerWord)
        {
            return false;
        }

        for (var start = 0; start < word.Length;)
        {
            var end = word.Length;
            var id = -1;
            while (end > start)
            {
                var piece = word[start..end];
                if (start == 0 ? _whole.TryGetValue(piece, out id) : _continuation.TryGetValue(piece, out id))
                {
                    break;
                }

                id = -1;
                end--;
                if (end > start && char.IsLowSurrogate(word[end]) && char.IsHighSurrogate(word[end - 1]))
                {
                    end--; // never cut a surrogate pair
                }
            }

            if (id < 0)
            {
                return false;
            }

            ids.Add(id);
            spans?.Add(normalized!.SourceSpan(offset + start, offset + end));
            start = end;
        }

        return true;
    }

    /// <inheritdoc/>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var sb = new StringBuilder(ids.Length * 6);
        foreach (var id in ids)
        {
            var token = IdToToken(id);
            if (token.StartsWith(ContinuationPrefix, StringComparison.Ordinal) && token.Length > ContinuationPrefix.Length && sb.Length > 0)
            {
                sb.Append(token, ContinuationPrefix.Length, token.Length - ContinuationPrefix.Length);
            }
            else
            {
                if (sb.Length > 0)
                {
                    sb.Append(' ');
                }

                sb.Append(token);
            }
        }

        return sb.ToString();
    }

    /// <inheritdoc/>
    public string IdToToken(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, _tokens.Length);
        return _tokens[id];
    }

    /// <inheritdoc/>
    public int TokenToId(string token) => _ids.TryGetValue(token, out var id) ? id : -1;
}

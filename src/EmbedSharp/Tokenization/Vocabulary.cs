using System.Text;

namespace EmbedSharp.Tokenization;

/// <summary>
/// Token ↔ id mapping: ids 0..Count−1 in order, specials (such as <c>&lt;pad&gt;</c> and <c>&lt;unk&gt;</c>) first when
/// built from counts, then tokens by descending count (ties: ordinal order). Saved as one token per line (UTF-8).
/// torchtext: <c>build_vocab_from_iterator(…, min_freq, specials)</c>.
/// </summary>
public sealed class Vocabulary
{
    /// <summary>The conventional padding token.</summary>
    public const string Pad = "<pad>";

    /// <summary>The conventional unknown-token token.</summary>
    public const string Unk = "<unk>";

    private readonly string[] _tokens;
    private readonly long[]? _counts;
    private readonly Dictionary<string, int> _ids;

    /// <summary>Creates a vocabulary from distinct tokens in id order, with optional counts (same length).</summary>
    /// <exception cref="ArgumentException">A token repeats or is null, or the counts do not match.</exception>
    public Vocabulary(IEnumerable<string> tokens, IReadOnlyList<long>? counts = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        _tokens = [.. tokens];
        _ids = new Dictionary<string, int>(_tokens.Length, StringComparer.Ordinal);
        for (var i = 0; i < _tokens.Length; i++)
        {
            if (_tokens[i] is null)
            {
                throw new ArgumentException($"Token {i} is null.", nameof(tokens));
            }

            if (!_ids.TryAdd(_tokens[i], i))
            {
                throw new ArgumentException($"The token '{_tokens[i]}' appears at ids {_ids[_tokens[i]]} and {i}.", nameof(tokens));
            }
        }

        if (counts is not null)
        {
            if (counts.Count != _tokens.Length)
            {
                throw new ArgumentException($"{counts.Count} counts for {_tokens.Length} tokens.", nameof(counts));
            }

            _counts = [.. counts];
        }

        UnknownId = _ids.TryGetValue(Unk, out var unk) ? unk : -1;
    }

    /// <summary>Builds a vocabulary from token counts: <paramref name="specials"/> first, then every token with at least
    /// <paramref name="minCount"/> occurrences by descending count (ties in ordinal order), cut to <paramref name="maxSize"/>
    /// ids in all (specials included).</summary>
    /// <exception cref="ArgumentOutOfRangeException">minCount &lt; 1 or maxSize smaller than the number of specials.</exception>
    public static Vocabulary FromCounts(IReadOnlyDictionary<string, long> counts, int minCount = 1, int? maxSize = null, IEnumerable<string>? specials = null)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentOutOfRangeException.ThrowIfLessThan(minCount, 1);
        var special = (specials ?? [Pad, Unk]).ToList();
        if (maxSize is { } m && m < special.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(maxSize), $"maxSize {m} is smaller than the {special.Count} special tokens.");
        }

        var ranked = counts.Where(kv => kv.Value >= minCount && !special.Contains(kv.Key))
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal);
        var tokens = new List<string>(special);
        var tokenCounts = special.Select(s => counts.TryGetValue(s, out var c) ? c : 0L).ToList();
        foreach (var (token, count) in ranked)
        {
            if (maxSize is { } max && tokens.Count >= max)
            {
                break;
            }

            tokens.Add(token);
            tokenCounts.Add(count);
        }

        return new Vocabulary(tokens, tokenCounts);
    }

    /// <summary>Counts tokens and builds a vocabulary as <see cref="FromCounts"/>.</summary>
    public static Vocabulary Build(IEnumerable<string> tokenStream, int minCount = 1, int? maxSize = null, IEnumerable<string>? specials = null)
    {
        ArgumentNullException.ThrowIfNull(tokenStream);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var t in tokenStream)
        {
            counts[t] = counts.TryGetValue(t, out var c) ? c + 1 : 1;
        }

        return FromCounts(counts, minCount, maxSize, specials);
    }

    /// <summary>Number of ids.</summary>
    public int Count => _tokens.Length;

    /// <summary>The tokens in id order.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>The id of <see cref="Unk"/>, or −1 when the vocabulary has none.</summary>
    public int UnknownId { get; }

    /// <summary>The token of id <paramref name="id"/>.</summary>
    public string this[int id] => _tokens[id];

    /// <summary>Whether <paramref name="token"/> has an id.</summary>
    public bool Contains(string token) => _ids.ContainsKey(token);

    /// <summary>The id of <paramref name="token"/>, or −1.</summary>
    public int IndexOf(string token) => _ids.TryGetValue(token, out var id) ? id : -1;

    /// <summary>The id of <paramref name="token"/>, or <see cref="UnknownId"/> for an unknown token.</summary>
    /// <exception cref="KeyNotFoundException">The token is unknown and the vocabulary has no <see cref="Unk"/>.</exception>
    public int Encode(string token) => _ids.TryGetValue(token, out var id) ? id
        : UnknownId >= 0 ? UnknownId : throw new KeyNotFoundException($"'{token}' is not in the vocabulary, which has no {Unk}.");

    /// <summary>The count of id <paramref name="id"/> when the vocabulary was built from counts, else null.</summary>
    public long? CountOf(int id) => _counts?[id];

    /// <summary>Writes one token per line (UTF-8, '\n'), atomically.</summary>
    /// <exception cref="ArgumentException">A token contains a line break (it could not be read back).</exception>
    public void Save(string path)
    {
        foreach (var t in _tokens)
        {
            if (t.AsSpan().IndexOfAny('\n', '\r') >= 0)
            {
                throw new ArgumentException($"The token '{t.ReplaceLineEndings("\\n")}' contains a line break and cannot be saved one per line.", nameof(path));
            }
        }

        Numerics.Formats.AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
            foreach (var t in _tokens)
            {
                writer.WriteLine(t);
            }
        });
    }

    /// <summary>Reads a vocabulary written by <see cref="Save"/> (or any one-token-per-line UTF-8 file; '\r\n'
    /// accepted, a leading byte-order mark skipped). The file is read once from start to end, so a pipe works.</summary>
    /// <exception cref="TokenizerFormatException">A token repeats (the message names it and both line numbers), the
    /// file is not UTF-8 (the line and byte offset), a line is longer than 1 Mi characters or the file holds more than
    /// 16 Mi lines.</exception>
    public static Vocabulary Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var lines = Utf8LineFile.ReadAllLines(path, "a vocabulary (one token per line)");
        var seen = new Dictionary<string, int>(lines.Count, StringComparer.Ordinal);
        for (var i = 0; i < lines.Count; i++)
        {
            if (!seen.TryAdd(lines[i], i))
            {
                throw new TokenizerFormatException(path, i + 1, FormattableString.Invariant($"the token '{lines[i]}' repeats line {seen[lines[i]] + 1}."));
            }
        }

        return new Vocabulary(lines);
    }
}

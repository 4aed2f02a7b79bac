using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Tokenization.Bpe;

/// <summary>
/// GPT-2's byte-level BPE (OpenAI <c>encoder.py</c>; torchtext <c>GPT2BPETokenizer</c>): the text is cut by
/// <see cref="Gpt2PreTokenizer"/>, each piece's UTF-8 bytes become <see cref="ByteLevel"/> characters, and adjacent
/// symbols are merged, lowest merge rank first (all occurrences of that pair, left to right), until no ranked pair is
/// left. Pieces are cached (up to <see cref="MaxCacheEntries"/>). Decoding maps the characters back to bytes and reads
/// them as UTF-8, invalid sequences becoming U+FFFD, so <c>Decode(Encode(x).Ids) == x</c> for any valid text.
/// </summary>
/// <remarks>Unpaired surrogates in the input are encoded as U+FFFD's bytes (what <see cref="Encoding.UTF8"/> does).
/// The spans of a token that covers part of a character's bytes include that whole character.</remarks>
public sealed class ByteLevelBpeTokenizer : ITokenizer
{
    /// <summary>The file name of the token → id map.</summary>
    public const string EncoderFileName = "encoder.json";

    /// <summary>The file name of the merge list.</summary>
    public const string MergesFileName = "vocab.bpe";

    /// <summary>Pieces kept in the encode cache; later pieces are encoded each time.</summary>
    public const int MaxCacheEntries = 200_000;

    /// <summary>The largest <c>encoder.json</c> read (256 MiB; GPT-2's is 1 MB): a bigger file is refused instead of
    /// filling memory.</summary>
    internal const long MaxEncoderBytes = 256L << 20;

    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<long, (int Rank, int Id)> _merges;
    private readonly int[] _byteIds = new int[256];
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;
    private int _cacheCount;

    /// <summary>Creates a tokenizer from tokens in id order and merges in rank order (each pair's concatenation must be
    /// a token; each of the 256 byte characters must be a token). A pair listed twice keeps its later rank, as in
    /// <c>encoder.py</c>.</summary>
    /// <exception cref="ArgumentException">A token repeats, a byte character is missing, or a merge's parts or result
    /// are not tokens (the message names the merge's rank).</exception>
    public ByteLevelBpeTokenizer(IReadOnlyList<string> tokens, IReadOnlyList<(string Left, string Right)> merges)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(merges);
        _tokens = [.. tokens];
        _ids = new Dictionary<string, int>(_tokens.Length, StringComparer.Ordinal);
        for (var i = 0; i < _tokens.Length; i++)
        {
            if (!_ids.TryAdd(_tokens[i] ?? throw new ArgumentException($"Token {i} is null.", nameof(tokens)), i))
            {
                throw new ArgumentException($"The token '{_tokens[i]}' has ids {_ids[_tokens[i]]} and {i}.", nameof(tokens));
            }
        }

        for (var b = 0; b < 256; b++)
        {
            _byteIds[b] = _ids.TryGetValue(ByteLevel.ToChar((byte)b).ToString(), out var id) ? id
                : throw new ArgumentException(FormattableString.Invariant($"The byte 0x{b:X2} (character '{ByteLevel.ToChar((byte)b)}') has no token."), nameof(tokens));
        }

        _merges = new Dictionary<long, (int, int)>(merges.Count);
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            if (!_ids.TryGetValue(left, out var l) || !_ids.TryGetValue(right, out var r) || !_ids.TryGetValue(left + right, out var merged))
            {
                throw new ArgumentException(FormattableString.Invariant($"Merge {rank} '{left} {right}': '{left}', '{right}' and '{left + right}' must all be tokens."), nameof(merges));
            }

            _merges[Key(l, r)] = (rank, merged);
        }

        Merges = [.. merges];
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <inheritdoc/>
    public int VocabSize => _tokens.Length;

    /// <summary>The merges in rank order.</summary>
    public IReadOnlyList<(string Left, string Right)> Merges { get; }

    /// <summary>Reads <c>encoder.json</c> + <c>vocab.bpe</c>: <paramref name="path"/> is their directory or the
    /// <c>encoder.json</c> (the merges are then read from <c>vocab.bpe</c> beside it).</summary>
    /// <exception cref="TokenizerFormatException">A file is malformed: not a JSON object of token → id with ids
    /// 0..n−1 each once; a merge line that is not two space-separated tokens, or whose parts or result are not in
    /// encoder.json (the message names the file and line).</exception>
    public static ByteLevelBpeTokenizer Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var encoder = Directory.Exists(path) ? Path.Combine(path, EncoderFileName) : path;
        var merges = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(encoder)) ?? ".", MergesFileName);
        if (!File.Exists(merges))
        {
            throw new FileNotFoundException($"The merge list {MergesFileName} must be beside {EncoderFileName}, but '{merges}' does not exist; give the directory that holds both.", merges);
        }

        var tokens = ReadEncoder(encoder);
        var (pairs, lines) = ReadMerges(merges);
        var known = new HashSet<string>(tokens, StringComparer.Ordinal);
        for (var i = 0; i < pairs.Count; i++)
        {
            var (left, right) = pairs[i];
            if (!known.Contains(left) || !known.Contains(right) || !known.Contains(left + right))
            {
                throw new TokenizerFormatException(merges, lines[i], $"the merge '{left} {right}' needs '{left}', '{right}' and '{left + right}' in {EncoderFileName}.");
            }
        }

        try
        {
            return new ByteLevelBpeTokenizer(tokens, pairs);
        }
        catch (ArgumentException e)
        {
            throw new TokenizerFormatException(encoder, null, e.Message, e);
        }
    }

    /// <summary>Writes <c>encoder.json</c> (a JSON object token → id, ids ascending, JSON-escaped) and <c>vocab.bpe</c> (<c>#version: 0.2</c>, then one <c>left right</c> line per merge) into
    /// <paramref name="directory"/>, each atomically.</summary>
    public void Save(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        Numerics.Formats.AtomicFile.Write(Path.Combine(directory, EncoderFileName), stream =>
        {
            using var writer = new Utf8JsonWriter(stream);
            writer.WriteStartObject();
            for (var i = 0; i < _tokens.Length; i++)
            {
                writer.WriteNumber(_tokens[i], i);
            }

            writer.WriteEndObject();
        });
        Numerics.Formats.AtomicFile.Write(Path.Combine(directory, MergesFileName), stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
            writer.WriteLine("#version: 0.2");
            foreach (var (left, right) in Merges)
            {
                writer.WriteLine($"{left} {right}");
            }
        });
    }

    /// <inheritdoc/>
    public TokenEncoding Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 1);
        var spans = new List<TokenSpan>(text.Length / 3 + 1);
        var span = text.AsSpan();
        for (var start = 0; start < span.Length;)
        {
            var end = Gpt2PreTokenizer.NextPieceEnd(span, start);
            var piece = span[start..end];
            var pieceIds = EncodePiece(piece);
            AddWithSpans(piece, start, pieceIds, ids, spans);
            start = end;
        }

        var idArray = ids.ToArray();
        var tokens = new string[idArray.Length];
        for (var i = 0; i < tokens.Length; i++)
        {
            tokens[i] = _tokens[idArray[i]];
        }

        return new TokenEncoding(idArray, tokens, [.. spans]);
    }

    /// <summary>Appends the ids of <see cref="Encode"/>(<paramref name="text"/>) to <paramref name="ids"/> without
    /// building token strings or spans; pieces already in the cache allocate nothing.</summary>
    public void EncodeIds(string text, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(ids);
        var span = text.AsSpan();
        for (var start = 0; start < span.Length;)
        {
            var end = Gpt2PreTokenizer.NextPieceEnd(span, start);
            ids.AddRange(EncodePiece(span[start..end]));
            start = end;
        }
    }

    /// <inheritdoc/>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>(ids.Length * 4);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var id in ids)
        {
            foreach (var c in IdToToken(id))
            {
                var b = ByteLevel.ToByte(c);
                if (b >= 0)
                {
                    bytes.Add((byte)b);
                }
                else
                {
                    // A character outside the byte table (only in hand-made vocabularies): its own UTF-8.
                    var n = new Rune(char.IsSurrogate(c) ? '\uFFFD' : c).EncodeToUtf8(utf8);
                    for (var k = 0; k < n; k++)
                    {
                        bytes.Add(utf8[k]);
                    }
                }
            }
        }

        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
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

    /// <summary>The ids of one pre-tokenised piece (merges applied), from the cache when it holds the piece.</summary>
    public int[] EncodePiece(ReadOnlySpan<char> piece)
    {
        if (_cacheLookup.TryGetValue(piece, out var cached))
        {
            return cached;
        }

        var result = MergePiece(piece);
        if (Volatile.Read(ref _cacheCount) < MaxCacheEntries && _cacheLookup.TryAdd(piece, result))
        {
            Interlocked.Increment(ref _cacheCount); // ConcurrentDictionary.Count takes every lock: too slow here
        }

        return result;
    }

    private int[] MergePiece(ReadOnlySpan<char> piece)
    {
        // symbols (n), the rank and merged id of each adjacent pair (n − 1), and whether a symbol is new this round.
        var maxBytes = piece.Length * 3;
        var rented = ArrayPool<int>.Shared.Rent(maxBytes * 3);
        var symbols = rented.AsSpan(0, maxBytes);
        var ranks = rented.AsSpan(maxBytes, maxBytes);
        var mergedIds = rented.AsSpan(2 * maxBytes, maxBytes);
        var count = 0;
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < piece.Length;)
        {
            Rune.DecodeFromUtf16(piece[i..], out var rune, out var used); // invalid → U+FFFD, one char
            var n = rune.EncodeToUtf8(utf8);
            for (var k = 0; k < n; k++)
            {
                symbols[count++] = _byteIds[utf8[k]];
            }

            i += used;
        }

        for (var i = 0; i + 1 < count; i++)
        {
            LookUpPair(symbols, ranks, mergedIds, i);
        }

        while (count > 1)
        {
            var best = int.MaxValue;
            foreach (var r in ranks[..(count - 1)])
            {
                best = Math.Min(best, r);
            }

            if (best == int.MaxValue)
            {
                break;
            }

            // Merge every occurrence of the best pair, left to right (a rank names one pair). New symbols get their
            // rank −1 marker in `ranks` so that their neighbours' pairs are looked up again below.
            var write = 0;
            for (var read = 0; read < count; read++)
            {
                if (read + 1 < count && ranks[read] == best)
                {
                    symbols[write] = mergedIds[read];
                    ranks[write++] = -1;
                    read++;
                }
                else
                {
                    symbols[write] = symbols[read];
                    ranks[write] = read + 1 < count ? ranks[read] : int.MaxValue;
                    mergedIds[write++] = mergedIds[read];
                }
            }

            count = write;
            for (var i = count - 1; i >= 0; i--)
            {
                if (ranks[i] == -1)
                {
                    if (i + 1 < count)
                    {
                        LookUpPair(symbols, ranks, mergedIds, i);
                    }
                    else
                    {
                        ranks[i] = int.MaxValue;
                    }

                    if (i > 0 && ranks[i - 1] != -1)
                    {
                        LookUpPair(symbols, ranks, mergedIds, i - 1);
                    }
                }
            }
        }

        var result = symbols[..count].ToArray();
        ArrayPool<int>.Shared.Return(rented);
        return result;
    }

    private void LookUpPair(Span<int> symbols, Span<int> ranks, Span<int> mergedIds, int i)
    {
        if (_merges.TryGetValue(Key(symbols[i], symbols[i + 1]), out var m))
        {
            (ranks[i], mergedIds[i]) = (m.Rank, m.Id);
        }
        else
        {
            ranks[i] = int.MaxValue;
        }
    }

    private void AddWithSpans(ReadOnlySpan<char> piece, int offset, int[] pieceIds, List<int> ids, List<TokenSpan> spans)
    {
        // Walk the piece's characters and the tokens' bytes together (each token character is one byte).
        var charIndex = 0;
        var charWidth = 0;
        var bytesLeftInChar = 0;
        foreach (var id in pieceIds)
        {
            var tokenBytes = _tokens[id].Length;
            var start = -1;
            var end = 0;
            for (var k = 0; k < tokenBytes; k++)
            {
                if (bytesLeftInChar == 0)
                {
                    charIndex += charWidth;
                    Rune.DecodeFromUtf16(piece[charIndex..], out var rune, out charWidth);
                    bytesLeftInChar = rune.Utf8SequenceLength;
                }

                if (start < 0)
                {
                    start = charIndex;
                }

                bytesLeftInChar--;
                end = charIndex + charWidth;
            }

            ids.Add(id);
            spans.Add(new TokenSpan(offset + start, end - start));
        }
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    private static string[] ReadEncoder(string path)
    {
        var bytes = InputFile.ReadAllBytes(path, MaxEncoderBytes, $"a BPE {EncoderFileName}");
        Dictionary<string, int>? map;
        try
        {
            var json = bytes.AsSpan();
            map = JsonSerializer.Deserialize(json.StartsWith("\uFEFF"u8) ? json[3..] : json, BpeJsonContext.Default.DictionaryStringInt32);
        }
        catch (JsonException e)
        {
            var line = e.LineNumber is { } l ? l + 1 : (long?)null;
            var where = e.BytePositionInLine is { } p ? FormattableString.Invariant($" at byte {p + 1} of the line") : "";
            throw new TokenizerFormatException(path, line, $"expected a JSON object of token → integer id; the JSON is malformed or holds another value{where}.", e);
        }
        catch (InvalidOperationException e)
        {
            // System.Text.Json reports a string that is not UTF-8 this way.
            throw new TokenizerFormatException(path, null, "a token is not valid UTF-8; encoder.json must be UTF-8 JSON.", e);
        }

        if (map is null)
        {
            throw new TokenizerFormatException(path, null, "expected a JSON object of token → id, found null.");
        }

        var tokens = new string?[map.Count];
        foreach (var (token, id) in map)
        {
            if ((uint)id >= (uint)tokens.Length)
            {
                throw new TokenizerFormatException(path, null, FormattableString.Invariant($"the token '{token}' has id {id}, outside 0..{tokens.Length - 1} (ids must be 0..n−1, each once)."));
            }

            if (tokens[id] is { } other)
            {
                throw new TokenizerFormatException(path, null, FormattableString.Invariant($"the tokens '{other}' and '{token}' share id {id}."));
            }

            tokens[id] = token;
        }

        return tokens!;
    }

    private static (List<(string Left, string Right)> Pairs, List<long> Lines) ReadMerges(string path)
    {
        var pairs = new List<(string, string)>();
        var lines = new List<long>();
        using var reader = new Utf8LineFile(path, $"a BPE merge list ({MergesFileName})");
        while (reader.ReadLine() is { } line)
        {
            var number = reader.LineNumber;
            if ((number == 1 && line.StartsWith("#version", StringComparison.Ordinal)) || line.Length == 0)
            {
                continue;
            }

            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0 || line.AsSpan().IndexOfAny('\t', '\u000B', '\f') >= 0)
            {
                throw new TokenizerFormatException(path, number, $"expected two tokens separated by one space, found '{Excerpt(line)}'.");
            }

            pairs.Add((line[..space], line[(space + 1)..]));
            lines.Add(number);
        }

        return (pairs, lines);
    }

    /// <summary>At most 80 chars of a bad line, for a message that stays one line.</summary>
    private static string Excerpt(string line) => line.Length <= 80 ? line : string.Concat(line.AsSpan(0, 80), "…");
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, int>))]
internal sealed partial class BpeJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

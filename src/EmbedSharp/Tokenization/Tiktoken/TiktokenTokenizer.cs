using System.Buffers;
using System.Collections.Concurrent;
using EmbedSharp.Tokenization.Bpe;

namespace EmbedSharp.Tokenization.Tiktoken;

/// <summary>
/// OpenAI's tiktoken (the Rust core behind the Python and npm <c>tiktoken</c> packages): byte-level BPE by merge rank.
/// <list type="number">
/// <item>Allowed special token strings (<see cref="SpecialTokenPolicy"/>) cut the text first; each becomes its id.</item>
/// <item>Each stretch between them is split by the encoding's regex (<see cref="TiktokenEncoding.Pattern"/>); text no
/// match covers is dropped, as in tiktoken (the built-in patterns cover everything).</item>
/// <item>A piece's UTF-8 bytes (an unpaired surrogate counts as U+FFFD) that are one token give that token. Otherwise,
/// starting from single bytes, the adjacent pair whose concatenation has the lowest rank is merged (the leftmost on a
/// tie), until no adjacent pair's concatenation is a token. tiktoken's loop is quadratic in the piece length; pieces
/// over <see cref="HeapMergeThreshold"/> bytes use a heap with the same order, so a long run without spaces costs
/// O(n log n).</item>
/// </list>
/// <para><b>Token strings</b> (<see cref="IdToToken"/>, <see cref="TokenEncoding.Tokens"/>): a token's bytes need not
/// be whole UTF-8 characters, so they are shown in GPT-2's byte-level form (<see cref="ByteLevel"/>, e.g. <c>Ġworld</c>
/// for <c>" world"</c>), as Hugging Face's <c>tokenizer.json</c> conversions of these encodings show them: every token
/// has a distinct, reversible string (r50k_base's are exactly GPT-2's <c>encoder.json</c> keys). Special tokens are
/// their own text. <see cref="TokenBytes"/> gives the raw bytes (tiktoken's
/// <c>decode_single_token_bytes</c>).</para>
/// <para><b>Spans</b> are in UTF-16 chars of the input; a token holding part of a character's bytes spans that whole
/// character. <b>Ids</b> a file and its encoding leave unused (cl100k_base: 100256, 100261–100275) have the token
/// string <c>&lt;|unused_ID|&gt;</c> and cannot be decoded.</para>
/// <para>Decoding joins the tokens' bytes and reads them as UTF-8, each invalid sequence becoming U+FFFD (tiktoken's
/// <c>decode(ids, errors="replace")</c>; <see cref="DecodeToBytes"/> gives the bytes). Instances are immutable and
/// thread-safe; pieces of up to <see cref="MaxCachedPieceChars"/> chars are cached (at most
/// <see cref="MaxCacheEntries"/>).</para>
/// </summary>
public sealed partial class TiktokenTokenizer : ITokenizer
{
    /// <summary>Pieces longer than this (in UTF-8 bytes) are merged with a heap instead of tiktoken's linear scans.</summary>
    public const int HeapMergeThreshold = 256;

    /// <summary>The number of pieces the encode cache keeps.</summary>
    public const int MaxCacheEntries = 65_536;

    /// <summary>Pieces longer than this (in chars) are never cached.</summary>
    public const int MaxCachedPieceChars = 64;

    private readonly byte[]?[] _bytes;      // by id: the token's bytes (special tokens: their UTF-8); null = unused id
    private readonly string[] _tokens;      // by id: byte-level string, special text, or <|unused_ID|>
    private readonly Dictionary<byte[], int> _ranks;
    private readonly Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> _rankLookup;
    private readonly Dictionary<string, int> _ids;
    private readonly (string Text, int Id)[] _specials; // longest first
    private readonly int _mergeableCount;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;
    private int _cacheCount;

    /// <summary>Creates a tokenizer from mergeable tokens (bytes and rank; the rank is the id) and an encoding.</summary>
    /// <param name="mergeableRanks">Each token's bytes and rank; ranks and byte strings must be distinct, and each of
    /// the 256 single bytes must be a token.</param>
    /// <param name="encoding">The split pattern and special tokens.</param>
    /// <param name="defaultPolicy">The special-token policy of <see cref="Encode(string)"/> (default
    /// <see cref="SpecialTokenPolicy.All"/>).</param>
    /// <exception cref="ArgumentException">A rank or byte string repeats, a byte is missing, a special token's id is
    /// also a rank, the ids are far beyond the token count, or the count differs from the encoding's.</exception>
    public TiktokenTokenizer(IEnumerable<(byte[] Bytes, int Rank)> mergeableRanks, TiktokenEncoding encoding, SpecialTokenPolicy? defaultPolicy = null)
    {
        ArgumentNullException.ThrowIfNull(mergeableRanks);
        ArgumentNullException.ThrowIfNull(encoding);
        Encoding = encoding;
        DefaultPolicy = defaultPolicy ?? SpecialTokenPolicy.All;
        var list = mergeableRanks as IReadOnlyCollection<(byte[] Bytes, int Rank)> ?? [.. mergeableRanks];
        _ranks = new Dictionary<byte[], int>(list.Count, ByteStringComparer.Instance);
        var maxId = -1;
        foreach (var (bytes, rank) in list)
        {
            ArgumentNullException.ThrowIfNull(bytes, nameof(mergeableRanks));
            if (rank < 0 || bytes.Length == 0)
            {
                throw new ArgumentException(FormattableString.Invariant($"A token has rank {rank} and {bytes.Length} bytes; ranks must be ≥ 0 and tokens non-empty."), nameof(mergeableRanks));
            }

            if (!_ranks.TryAdd(bytes, rank))
            {
                throw new ArgumentException(FormattableString.Invariant($"The token {Convert.ToBase64String(bytes)} (base64) has ranks {_ranks[bytes]} and {rank}."), nameof(mergeableRanks));
            }

            maxId = Math.Max(maxId, rank);
        }

        if (encoding.MergeableTokenCount is { } expected && expected != _ranks.Count)
        {
            throw new ArgumentException(FormattableString.Invariant($"{_ranks.Count:N0} tokens, but {encoding.Name} has {expected:N0}: is this the file of another encoding?"), nameof(mergeableRanks));
        }

        foreach (var id in encoding.SpecialTokens.Values)
        {
            maxId = Math.Max(maxId, id);
        }

        // Ids index arrays: they must stay near the token count, whatever a file claims.
        var limit = 2L * (_ranks.Count + encoding.SpecialTokens.Count) + 4096;
        if (maxId >= limit)
        {
            throw new ArgumentException(FormattableString.Invariant($"The id {maxId:N0} is far beyond the {_ranks.Count:N0} tokens (at most {limit - 1:N0} is accepted)."), nameof(mergeableRanks));
        }

        _mergeableCount = _ranks.Count;
        _bytes = new byte[]?[maxId + 1];
        _tokens = new string[maxId + 1];
        _ids = new Dictionary<string, int>(maxId + 1, StringComparer.Ordinal);
        foreach (var (bytes, rank) in _ranks)
        {
            if (_bytes[rank] is not null)
            {
                throw new ArgumentException(FormattableString.Invariant($"The rank {rank} is given to two tokens."), nameof(mergeableRanks));
            }

            _bytes[rank] = bytes;
            _tokens[rank] = ByteLevelString(bytes);
            _ids[_tokens[rank]] = rank;
        }

        _rankLookup = _ranks.GetAlternateLookup<ReadOnlySpan<byte>>();
        Span<byte> one = stackalloc byte[1];
        for (var b = 0; b < 256; b++)
        {
            one[0] = (byte)b;
            if (!_rankLookup.ContainsKey(one))
            {
                throw new ArgumentException(FormattableString.Invariant($"The single byte 0x{b:X2} is not a token; every byte must be one."), nameof(mergeableRanks));
            }
        }

        var specials = new List<(string, int)>();
        foreach (var (text, id) in encoding.SpecialTokens)
        {
            if (_bytes[id] is not null)
            {
                throw new ArgumentException(FormattableString.Invariant($"The special token '{text}' has id {id}, which is also a token's rank."), nameof(encoding));
            }

            if (!_ids.TryAdd(text, id))
            {
                throw new ArgumentException(FormattableString.Invariant($"The special token '{text}' is spelled like the token {_ids[text]}."), nameof(encoding));
            }

            _bytes[id] = System.Text.Encoding.UTF8.GetBytes(text);
            _tokens[id] = text;
            specials.Add((text, id));
        }

        _specials = [.. specials.OrderByDescending(s => s.Item1.Length).ThenBy(s => s.Item1, StringComparer.Ordinal)];
        for (var id = 0; id < _tokens.Length; id++)
        {
            _tokens[id] ??= FormattableString.Invariant($"<|unused_{id}|>");
            _ids.TryAdd(_tokens[id], id);
        }

        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The encoding: name, split pattern and special tokens.</summary>
    public TiktokenEncoding Encoding { get; }

    /// <summary>The special-token policy of <see cref="Encode(string)"/>.</summary>
    public SpecialTokenPolicy DefaultPolicy { get; }

    /// <inheritdoc/>
    /// <remarks>One more than the largest id, mergeable or special (cl100k_base: 100,277).</remarks>
    public int VocabSize => _tokens.Length;

    /// <summary>The number of mergeable tokens (the <c>.tiktoken</c> file's lines).</summary>
    public int MergeableTokenCount => _mergeableCount;

    /// <summary>Encodes <paramref name="text"/> with <see cref="DefaultPolicy"/>.</summary>
    public TokenEncoding Encode(string text) => Encode(text, DefaultPolicy);

    /// <summary>Encodes <paramref name="text"/>: tiktoken's <c>encode(text, allowed_special, disallowed_special)</c>,
    /// with token strings and spans.</summary>
    /// <exception cref="ArgumentException">The policy disallows a special token string found in the text (the
    /// message names it and its char index).</exception>
    public TokenEncoding Encode(string text, SpecialTokenPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(policy);
        var ids = new List<int>(text.Length / 4 + 1);
        var spans = new List<TokenSpan>(text.Length / 4 + 1);
        EncodeCore(text, policy, ids, spans);
        var idArray = ids.ToArray();
        var tokens = new string[idArray.Length];
        for (var i = 0; i < tokens.Length; i++)
        {
            tokens[i] = _tokens[idArray[i]];
        }

        return new TokenEncoding(idArray, tokens, [.. spans]);
    }

    /// <summary>The ids only (tiktoken's <c>encode</c>): as <see cref="Encode(string, SpecialTokenPolicy)"/>.</summary>
    public int[] EncodeToIds(string text, SpecialTokenPolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 4 + 1);
        EncodeCore(text, policy ?? DefaultPolicy, ids, null);
        return [.. ids];
    }

    /// <summary>Appends the ids of <see cref="Encode(string)"/>(<paramref name="text"/>) (with
    /// <see cref="DefaultPolicy"/>) to <paramref name="ids"/> without building token strings or spans.</summary>
    /// <exception cref="ArgumentException">The policy disallows a special token string found in the text.</exception>
    public void EncodeIds(string text, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(ids);
        EncodeCore(text, DefaultPolicy, ids, null);
    }

    /// <summary>The number of tokens <see cref="EncodeToIds"/> would give.</summary>
    public int CountTokens(string text, SpecialTokenPolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 4 + 1);
        EncodeCore(text, policy ?? DefaultPolicy, ids, null);
        return ids.Count;
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside 0..VocabSize−1 or unused.</exception>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var length = DecodedLength(ids);
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
        try
        {
            var written = CopyBytes(ids, rented);
            return System.Text.Encoding.UTF8.GetString(rented, 0, written);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The tokens' bytes joined (tiktoken's <c>decode_bytes</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside 0..VocabSize−1 or unused.</exception>
    public byte[] DecodeToBytes(ReadOnlySpan<int> ids)
    {
        var bytes = new byte[DecodedLength(ids)];
        CopyBytes(ids, bytes);
        return bytes;
    }

    /// <summary>The bytes of one token (tiktoken's <c>decode_single_token_bytes</c>; a special token's UTF-8).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The id is outside 0..VocabSize−1 or unused.</exception>
    public ReadOnlySpan<byte> TokenBytes(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, _bytes.Length);
        return _bytes[id] ?? throw new ArgumentOutOfRangeException(nameof(id), id, FormattableString.Invariant($"The id {id} is unused in {Encoding.Name}."));
    }

    /// <summary>Whether <paramref name="id"/> is one of the encoding's special tokens.</summary>
    public bool IsSpecial(int id) => id >= 0 && id < _bytes.Length && _bytes[id] is { } bytes && !(_rankLookup.TryGetValue(bytes, out var rank) && rank == id);

    /// <inheritdoc/>
    public string IdToToken(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, _tokens.Length);
        return _tokens[id];
    }

    /// <inheritdoc/>
    /// <remarks>Takes the byte-level string of a mergeable token, a special token's text, or <c>&lt;|unused_ID|&gt;</c>.</remarks>
    public int TokenToId(string token) => _ids.TryGetValue(token, out var id) ? id : -1;

    /// <summary>The mergeable tokens as (bytes, rank), in rank order: what a <c>.tiktoken</c> file holds.</summary>
    public IEnumerable<(byte[] Bytes, int Rank)> MergeableRanks()
    {
        for (var id = 0; id < _bytes.Length; id++)
        {
            if (_bytes[id] is { } bytes && _rankLookup.TryGetValue(bytes, out var rank) && rank == id)
            {
                yield return (bytes.ToArray(), id);
            }
        }
    }

    private int DecodedLength(ReadOnlySpan<int> ids)
    {
        long length = 0;
        foreach (var id in ids)
        {
            length += TokenBytes(id).Length;
        }

        return length <= Array.MaxLength ? (int)length : throw new ArgumentException("The decoded text would be longer than an array holds.", nameof(ids));
    }

    private int CopyBytes(ReadOnlySpan<int> ids, Span<byte> destination)
    {
        var written = 0;
        foreach (var id in ids)
        {
            var bytes = _bytes[id]!;
            bytes.CopyTo(destination[written..]);
            written += bytes.Length;
        }

        return written;
    }

    private static string ByteLevelString(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (chars, b) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = ByteLevel.ToChar(b[i]);
            }
        });
    }
}

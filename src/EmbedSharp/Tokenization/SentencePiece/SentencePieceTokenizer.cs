using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using EmbedSharp.Randomness;

namespace EmbedSharp.Tokenization.SentencePiece;

/// <summary>
/// A SentencePiece model (<c>.model</c> file from <c>spm_train</c>) as an <see cref="ITokenizer"/>, giving the ids
/// <c>spm_encode --output_format=id</c> gives: the model's normaliser (compiled character map such as
/// <c>nmt_nfkc</c>, or identity; extra-whitespace removal; dummy prefix; spaces as <c>▁</c>), then unigram (Viterbi)
/// or BPE segmentation, user-defined symbols kept whole, runs of unknown characters as one <c>&lt;unk&gt;</c>, or with
/// byte fallback one <c>&lt;0xXX&gt;</c> piece per UTF-8 byte. Control symbols (<c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>) are
/// never produced from text. Python: <c>sentencepiece.SentencePieceProcessor(model_file=…).encode(text)</c>.
/// </summary>
/// <remarks>
/// Text policy: a <see cref="string"/> is encoded as UTF-8, a lone surrogate becoming U+FFFD; in
/// <see cref="EncodeUtf8(ReadOnlySpan{byte})"/> each byte that does not start a well-formed UTF-8 character becomes U+FFFD, exactly as
/// SentencePiece does. Spans: each token maps to the input characters its normalised bytes came from; the byte pieces
/// of one character give the whole character to the last byte and an empty span to the others (as SentencePiece).
/// Thread-safe: one instance may encode from many threads.
/// </remarks>
public sealed partial class SentencePieceTokenizer : ITokenizer
{
    private readonly string[] pieces;
    private readonly float[] scores;
    private readonly SentencePieceType[] types;
    private readonly Dictionary<string, int> ids;
    private readonly int[] byteIds = new int[256];
    private readonly SentencePieceNormalizer normalizer;
    private readonly SentencePieceNormalizer? denormalizer;
    private readonly UnigramSegmenter? unigram;
    private readonly BpeSegmenter? bpe;
    private readonly bool byteFallback;
    private readonly ConcurrentBag<EncodeScratch> scratchPool = [];

    private SentencePieceTokenizer(SentencePieceModel model, string? filePath)
    {
        Model = model;
        var n = model.Pieces.Count;
        pieces = new string[n];
        scores = new float[n];
        types = new SentencePieceType[n];
        ids = new Dictionary<string, int>(n, StringComparer.Ordinal);
        Array.Fill(byteIds, -1);
        var trieEntries = new List<(byte[] Key, int Value)>(n);
        var userEntries = new List<(byte[] Key, int Value)>();
        UnkId = -1;
        for (var i = 0; i < n; i++)
        {
            var (piece, score, type) = model.Pieces[i];
            if (piece.Length == 0)
            {
                throw new SentencePieceModelException(Invariant($"Piece {i} is empty"), filePath, -1);
            }

            if (!ids.TryAdd(piece, i))
            {
                throw new SentencePieceModelException(Invariant($"Piece {i} '{piece}' is already defined as piece {ids[piece]}"), filePath, -1);
            }

            if (!float.IsFinite(score))
            {
                throw new SentencePieceModelException(Invariant($"Piece {i} '{piece}' has the score {score}; scores must be finite"), filePath, -1);
            }

            (pieces[i], scores[i], types[i]) = (piece, score, type);
            switch (type)
            {
                case SentencePieceType.Normal or SentencePieceType.Unused:
                    trieEntries.Add((Encoding.UTF8.GetBytes(piece), i));
                    break;
                case SentencePieceType.UserDefined:
                    trieEntries.Add((Encoding.UTF8.GetBytes(piece), i));
                    userEntries.Add((Encoding.UTF8.GetBytes(piece), i));
                    break;
                case SentencePieceType.Unknown:
                    if (UnkId >= 0)
                    {
                        throw new SentencePieceModelException(Invariant($"Piece {i} '{piece}' is a second unknown piece (the first is {UnkId})"), filePath, -1);
                    }

                    UnkId = i;
                    break;
                case SentencePieceType.Byte:
                    var value = ParseBytePiece(piece);
                    if (!model.TrainerSpec.ByteFallback)
                    {
                        throw new SentencePieceModelException(Invariant($"Piece {i} '{piece}' is a byte piece, but byte_fallback is off"), filePath, -1);
                    }

                    if (value < 0)
                    {
                        throw new SentencePieceModelException(Invariant($"Piece {i} '{piece}' is of type byte but is not a byte piece <0xXX>"), filePath, -1);
                    }

                    if (byteIds[value] >= 0)
                    {
                        throw new SentencePieceModelException(Invariant($"Piece {i} '{piece}' is a second piece for the byte 0x{value:X2} (the first is piece {byteIds[value]})"), filePath, -1);
                    }

                    byteIds[value] = i;
                    break;
            }
        }

        if (UnkId < 0)
        {
            throw new SentencePieceModelException("The model has no unknown piece (<unk>)", filePath, -1);
        }

        foreach (var (name, id) in (ReadOnlySpan<(string, int)>)[("bos_id", model.TrainerSpec.BosId), ("eos_id", model.TrainerSpec.EosId), ("pad_id", model.TrainerSpec.PadId)])
        {
            if (id < -1 || id >= n)
            {
                throw new SentencePieceModelException(Invariant($"The trainer spec's {name} is {id}, but the model has pieces 0..{n - 1} (−1 for none)"), filePath, -1);
            }
        }

        byteFallback = model.TrainerSpec.ByteFallback;
        if (byteFallback && Array.IndexOf(byteIds, -1) is var missing and >= 0)
        {
            throw new SentencePieceModelException(Invariant($"byte_fallback is on, but the byte piece <0x{missing:X2}> is missing"), filePath, -1);
        }

        var userTrie = userEntries.Count > 0 ? ByteTrie.Build(userEntries) : null;
        normalizer = new SentencePieceNormalizer(model.NormalizerSpec, model.TrainerSpec.TreatWhitespaceAsSuffix, userTrie, filePath);
        if (model.DenormalizerSpec is { PrecompiledCharsMap.IsEmpty: false } denormalizerSpec)
        {
            // As SentencePieceProcessor::Load: a denormaliser only when it has a map; a plain Normalizer (its own
            // flags, no user-defined symbols, whitespace never a suffix).
            denormalizer = new SentencePieceNormalizer(denormalizerSpec, false, null, filePath);
        }
        var trie = ByteTrie.Build(trieEntries);
        switch (model.TrainerSpec.Algorithm)
        {
            case SentencePieceAlgorithm.Unigram:
                unigram = new UnigramSegmenter(trie, scores, types, UnkId);
                break;
            case SentencePieceAlgorithm.Bpe:
                var suffix = model.TrainerSpec.TreatWhitespaceAsSuffix;
                var split = model.NormalizerSpec.EscapeWhitespaces && BpeSegmenter.CanSplitWords(trieEntries.Select(e => e.Key), suffix);
                bpe = new BpeSegmenter(trie, userTrie, scores, types, UnkId, split, suffix);
                break;
            default:
                throw new SentencePieceModelException($"The model type {model.TrainerSpec.Algorithm} is not supported (only unigram and BPE)", filePath, -1);
        }
    }

    /// <summary>The parsed model file.</summary>
    public SentencePieceModel Model { get; }

    /// <inheritdoc/>
    public int VocabSize => pieces.Length;

    /// <summary>The algorithm of the model.</summary>
    public SentencePieceAlgorithm Algorithm => Model.TrainerSpec.Algorithm;

    /// <summary>The id of the unknown piece.</summary>
    public int UnkId { get; }

    /// <summary>The id of <c>&lt;s&gt;</c>, or −1 when the model has none.</summary>
    public int BosId => Model.TrainerSpec.BosId;

    /// <summary>The id of <c>&lt;/s&gt;</c>, or −1 when the model has none.</summary>
    public int EosId => Model.TrainerSpec.EosId;

    /// <summary>The id of <c>&lt;pad&gt;</c>, or −1 when the model has none.</summary>
    public int PadId => Model.TrainerSpec.PadId;

    /// <summary>The largest <c>.model</c> file read (256 MiB). Real models hold at most a few hundred thousand pieces
    /// in a few MB; a larger file (or a pipe going on past it) is refused instead of filling memory.</summary>
    internal const long MaxModelBytes = 256L << 20;

    /// <summary>Loads a <c>.model</c> file (read once, whole, so a pipe works; at most 256 MiB).</summary>
    /// <exception cref="SentencePieceModelException">The file is truncated, corrupt, inconsistent or of an
    /// unsupported model type; the message names the file and, where it applies, the byte offset.</exception>
    /// <exception cref="IOException">The file cannot be read, is larger than 256 MiB, or is a device such as
    /// <c>/dev/zero</c> (the message names it).</exception>
    public static SentencePieceTokenizer Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return FromBytes(Numerics.Formats.InputFile.ReadAllBytes(path, MaxModelBytes, "a SentencePiece model"), path);
    }

    /// <summary>Opens a model from the bytes of a <c>.model</c> file.</summary>
    /// <param name="bytes">The serialized <c>ModelProto</c>.</param>
    /// <param name="filePath">Named in error messages, or null.</param>
    /// <exception cref="SentencePieceModelException">The bytes are not a valid model.</exception>
    public static SentencePieceTokenizer FromBytes(byte[] bytes, string? filePath = null)
        => new(SentencePieceModel.Parse(bytes, filePath), filePath);

    /// <summary>Opens a model built in memory (for example by UnigramTrainer).</summary>
    /// <exception cref="SentencePieceModelException">The vocabulary is not valid (an empty or repeated piece, no
    /// <c>&lt;unk&gt;</c>, a special id out of range…).</exception>
    public static SentencePieceTokenizer FromModel(SentencePieceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new(model, null);
    }

    /// <summary>The score of a piece (log probability for unigram, merge priority for BPE).</summary>
    public float Score(int id) => scores[CheckId(id)];

    /// <summary>The kind of a piece.</summary>
    public SentencePieceType PieceType(int id) => types[CheckId(id)];

    /// <inheritdoc/>
    public string IdToToken(int id) => pieces[CheckId(id)];

    /// <inheritdoc/>
    public int TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return ids.TryGetValue(token, out var id) ? id : -1;
    }

    /// <inheritdoc/>
    public TokenEncoding Encode(string text) => EncodeCore(text, 0, null);

    /// <summary>
    /// Encodes UTF-8 bytes as <c>spm_encode</c> encodes a line it read: each byte that does not start a well-formed
    /// character becomes U+FFFD without passing through the normaliser's map (a U+FFFD already in a
    /// <see cref="string"/> does pass through it; <c>nmt_nfkc</c> maps it), so the ids and piece strings are those
    /// <c>spm_encode --output_format=id</c> / <c>piece</c> prints for any bytes. The spans are byte offsets into
    /// <paramref name="utf8"/>.
    /// </summary>
    public TokenEncoding Encode(ReadOnlySpan<byte> utf8)
    {
        var scratch = Rent();
        try
        {
            var length = BytesToScratch(utf8, scratch);
            Segment(scratch.Input.AsSpan(0, length), scratch, 0, null);
            return ToEncoding(scratch);
        }
        finally
        {
            scratchPool.Add(scratch);
        }
    }

    /// <summary>
    /// Draws a segmentation (subword regularisation) from <paramref name="generator"/>. Unigram models: with probability
    /// ∝ exp(α·Σ piece scores) over all segmentations (SentencePiece: <c>encode(text, enable_sampling=True, alpha=α,
    /// nbest_size=-1)</c>). BPE models: BPE-dropout (Provilkov et al. 2020), as SentencePiece's
    /// <c>bpe::Model::SampleEncode</c>: merges are applied best score first as in <see cref="Encode(string)"/>, but each merge
    /// taken from the queue is skipped, and dropped, with probability α (α ≤ 0: never, so the result is
    /// <see cref="Encode(string)"/>'s; α ≥ 1: always, so no merge happens and the text stays in characters, unknown ones as
    /// <c>&lt;unk&gt;</c> or byte pieces). Same distribution as SentencePiece, not the same draws (our
    /// <see cref="Generator"/>); the same generator state gives the same result.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is infinite or NaN.</exception>
    public TokenEncoding EncodeSample(string text, float alpha, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!float.IsFinite(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be a finite number (SentencePiece uses 0.1 to 1).");
        }

        return EncodeCore(text, alpha, generator);
    }

    /// <summary>
    /// The <paramref name="nbestSize"/> best segmentations of <paramref name="text"/> under the unigram model, best
    /// first (highest sum of piece scores), each post-processed as <see cref="Encode(string)"/> is (byte fallback, unknown runs).
    /// SentencePiece: <c>NBestEncodeAsIds(text, nbest_size)</c>, the same lists in the same order (A* over the piece
    /// lattice). Fewer come back when the text has fewer segmentations; an empty text gives one empty encoding.
    /// </summary>
    /// <exception cref="NotSupportedException">The model is not unigram (SentencePiece has no n-best for BPE).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nbestSize"/> is outside [1, 1024] (SentencePiece's
    /// limit).</exception>
    public IReadOnlyList<TokenEncoding> EncodeNBest(string text, int nbestSize)
    {
        ArgumentNullException.ThrowIfNull(text);
        CheckNBest(nbestSize);
        var scratch = Rent();
        try
        {
            return NBestCore(ToUtf8(text, scratch, spans: true), nbestSize, scratch);
        }
        finally
        {
            scratchPool.Add(scratch);
        }
    }

    /// <summary>As <see cref="EncodeNBest(string, int)"/> for UTF-8 bytes, read as <see cref="Encode(ReadOnlySpan{byte})"/>
    /// reads them (spans are byte offsets); <c>spm_encode --output_format=nbest_id</c> / <c>nbest_piece</c>.</summary>
    /// <exception cref="NotSupportedException">The model is not unigram.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nbestSize"/> is outside [1, 1024].</exception>
    public IReadOnlyList<TokenEncoding> EncodeNBest(ReadOnlySpan<byte> utf8, int nbestSize)
    {
        CheckNBest(nbestSize);
        var scratch = Rent();
        try
        {
            return NBestCore(BytesToScratch(utf8, scratch), nbestSize, scratch);
        }
        finally
        {
            scratchPool.Add(scratch);
        }
    }

    private void CheckNBest(int nbestSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nbestSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nbestSize, 1024);
        if (unigram is null)
        {
            throw new NotSupportedException("N-best segmentation needs a unigram model; this is a BPE model.");
        }
    }

    private TokenEncoding[] NBestCore(int inputLength, int nbestSize, EncodeScratch scratch)
    {
        var n = normalizer.Normalize(scratch.Input.AsSpan(0, inputLength), scratch);
        var paths = new List<Segment[]>();
        unigram!.NBest(scratch.Normalized.AsSpan(0, n), nbestSize, scratch, paths);
        var result = new TokenEncoding[paths.Count];
        for (var i = 0; i < paths.Count; i++)
        {
            scratch.Segments.Clear();
            scratch.Segments.AddRange(paths[i]);
            result[i] = ToEncoding(scratch);
        }

        return result;
    }

    /// <summary>The ids of <paramref name="text"/>, without tokens or spans.</summary>
    public int[] EncodeToIds(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var scratch = Rent();
        try
        {
            var length = ToUtf8(text, scratch, spans: false);
            EncodeIds(scratch.Input.AsSpan(0, length), scratch);
            return [.. scratch.Ids];
        }
        finally
        {
            scratchPool.Add(scratch);
        }
    }

    /// <summary>Appends the ids of <see cref="Encode(string)"/>(<paramref name="text"/>) to <paramref name="ids"/>
    /// without building token strings or spans (<c>spm_encode --output_format=id</c>); allocation-free once the internal
    /// buffers have grown to the text's size.</summary>
    public void EncodeIds(string text, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(ids);
        var scratch = Rent();
        try
        {
            var length = ToUtf8(text, scratch, spans: false);
            EncodeIds(scratch.Input.AsSpan(0, length), scratch);
            ids.AddRange(scratch.Ids);
        }
        finally
        {
            scratchPool.Add(scratch);
        }
    }

    /// <summary>The ids of UTF-8 bytes; a byte that does not start a well-formed character becomes U+FFFD (as
    /// SentencePiece does), so any bytes are accepted.</summary>
    public int[] EncodeUtf8(ReadOnlySpan<byte> utf8)
    {
        var scratch = Rent();
        try
        {
            EncodeIds(utf8, scratch);
            return [.. scratch.Ids];
        }
        finally
        {
            scratchPool.Add(scratch);
        }
    }

    /// <summary>Appends the ids of UTF-8 bytes to <paramref name="destination"/> (allocation-free once the internal
    /// buffers have grown to the text's size); returns how many were appended.</summary>
    public int EncodeUtf8(ReadOnlySpan<byte> utf8, List<int> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var scratch = Rent();
        try
        {
            EncodeIds(utf8, scratch);
            destination.AddRange(scratch.Ids);
            return scratch.Ids.Count;
        }
        finally
        {
            scratchPool.Add(scratch);
        }
    }

    /// <summary>The normalised text the segmenter sees, with <c>▁</c> for spaces (SentencePiece's <c>normalize</c>
    /// before whitespace escaping is undone).</summary>
    public string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var scratch = Rent();
        try
        {
            var length = ToUtf8(text, scratch, spans: false);
            var n = normalizer.Normalize(scratch.Input.AsSpan(0, length), scratch);
            return Encoding.UTF8.GetString(scratch.Normalized, 0, n);
        }
        finally
        {
            scratchPool.Add(scratch);
        }
    }

    /// <summary>
    /// Decodes ids as <c>spm_decode</c> does: pieces concatenated with <c>▁</c> as a space, the leading space of the
    /// first visible piece dropped (kept, like the trailing one, with <c>treat_whitespace_as_suffix</c>), control
    /// symbols as nothing, <c>&lt;unk&gt;</c> as the model's unk surface
    /// (<c>" ⁇ "</c>), runs of byte pieces as their UTF-8 text with each invalid byte as U+FFFD; then, when the model
    /// has a denormaliser (<c>denormalizer_spec</c> with a compiled map, from <c>spm_train
    /// --denormalization_rule_tsv</c>), the whole text is normalised by it, as <c>SentencePieceProcessor::Decode</c>
    /// does: each longest matching rule replaced, and the denormaliser's own flags applied (spm_train stores them all
    /// false: no dummy prefix, no whitespace removal, no <c>▁</c>).
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var text = new StringBuilder();
        var bytes = new List<byte>();
        var atStart = true;   // no visible text yet: a leading ▁ is the dummy prefix
        for (var i = 0; i < ids.Length; i++)
        {
            var id = CheckId(ids[i]);
            if (types[id] == SentencePieceType.Byte)
            {
                bytes.Add((byte)ParseBytePiece(pieces[id]));
                continue;
            }

            if (bytes.Count > 0)
            {
                AppendBytes(text, bytes);
                atStart = false;
            }

            var surface = types[id] switch
            {
                SentencePieceType.Control => "",
                SentencePieceType.Unknown => Model.TrainerSpec.UnkSurface,
                _ => pieces[id],
            };
            if (atStart && types[id] != SentencePieceType.Unknown && !Model.TrainerSpec.TreatWhitespaceAsSuffix && surface.StartsWith('\u2581'))
            {
                surface = surface[1..];
            }

            if (types[id] != SentencePieceType.Unknown)
            {
                surface = surface.Replace('\u2581', ' ');
            }

            text.Append(surface);
            atStart &= surface.Length == 0;
        }

        AppendBytes(text, bytes);
        var decoded = text.ToString();   // with treat_whitespace_as_suffix, SentencePiece 0.1.97 keeps the trailing space
        return denormalizer is null ? decoded : Denormalize(decoded);
    }

    private string Denormalize(string text)
    {
        var scratch = Rent();
        try
        {
            var length = ToUtf8(text, scratch, spans: false);
            var n = denormalizer!.Normalize(scratch.Input.AsSpan(0, length), scratch);
            return Encoding.UTF8.GetString(scratch.Normalized, 0, n);
        }
        finally
        {
            scratchPool.Add(scratch);
        }
    }

    private static void AppendBytes(StringBuilder text, List<byte> bytes)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes);
        while (!span.IsEmpty)
        {
            var length = SentencePieceNormalizer.ValidCharLength(span);
            if (length == 0)
            {
                text.Append('\uFFFD');
                span = span[1..];
            }
            else
            {
                text.Append(Encoding.UTF8.GetString(span[..length]));
                span = span[length..];
            }
        }

        bytes.Clear();
    }

    /// <summary>0..255 for a piece <c>&lt;0xXX&gt;</c> (two upper-case hex digits), else −1.</summary>
    private static int ParseBytePiece(string piece)
        => piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
           && int.TryParse(piece.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
            ? value : -1;

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private int CheckId(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, pieces.Length);
        return id;
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using EmbedSharp.Numerics.Formats;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>
/// A Hugging Face <c>tokenizer.json</c> (the file <c>tokenizers</c>' <c>Tokenizer.save</c> writes and most models ship),
/// encoding and decoding as Hugging Face's <c>tokenizers</c> library (Rust; checked against its npm binding 0.23.2)
/// does: added tokens are cut out first (non-normalized ones on the raw text, normalized ones after the
/// <c>normalizer</c>), then the <c>pre_tokenizer</c> splits the rest, the <c>model</c> (BPE, WordPiece, WordLevel or
/// Unigram) tokenizes each piece, the <c>post_processor</c> adds special tokens and adjusts offsets, and the
/// <c>decoder</c> turns ids back into text.
/// </summary>
/// <remarks>
/// <para><b>Special tokens.</b> <see cref="Encode(string)"/> adds the post-processor's special tokens, as Hugging
/// Face's <c>encode(text)</c> does by default (<c>add_special_tokens=True</c>), unless the tokenizer came from
/// <see cref="WithoutSpecialTokens"/> (for code that sees only an <see cref="ITokenizer"/>);
/// <see cref="Encode(string, bool)"/> chooses per call. <see cref="Decode(ReadOnlySpan{int})"/> keeps special tokens (<c>skip_special_tokens=False</c>, the
/// library's default); <see cref="Decode(ReadOnlySpan{int}, bool)"/> chooses.</para>
/// <para><b>Offsets.</b> Hugging Face reports character offsets in code points (Rust <c>char</c>s; the Python and Node
/// bindings both do). <see cref="TokenSpan"/> is in UTF-16 units of the input string, as for every
/// <see cref="ITokenizer"/>: the same characters, counted the .NET way (a character outside the BMP counts 2). A token
/// covering part of a character's bytes spans the whole character; special tokens span nothing (0, 0).</para>
/// <para><b>Truncation and padding.</b> A <c>truncation</c> section is honoured as Hugging Face's <c>encode</c> honours
/// it: the tokens are cut to <c>max_length</c> minus the special tokens the post-processor will add, keeping the start
/// (<c>direction</c> Right) or the end (Left); <see cref="TruncationMaxLength"/> reports it, and an
/// <c>OnlySecond</c> strategy (meaningless for one text) cuts nothing. A <c>padding</c> section is reported
/// (<see cref="PaddingConfigured"/>) but not applied: a <see cref="TokenEncoding"/> has no attention mask, so pad tokens
/// would be indistinguishable from text.</para>
/// <para><b>Bad files.</b> A malformed file, a wrong or missing field, an unknown component type or a regular expression
/// .NET cannot run is a <see cref="TokenizerFormatException"/> naming the file and the JSON path
/// (e.g. <c>model.merges[17]</c>).</para>
/// </remarks>
public sealed class HuggingFaceTokenizer : ITokenizer
{
    /// <summary>The largest <c>tokenizer.json</c> read (1 GiB; current models' files are 2–35 MB).</summary>
    public const long MaxFileBytes = 1L << 30;

    private readonly Model model;
    private readonly Normalizer? normalizer;
    private readonly PreTokenizer? preTokenizer;
    private readonly PostProcessor? postProcessor;
    private readonly Decoder? decoder;
    private readonly AddedVocabulary added;
    private readonly int vocabSize;
    private readonly bool truncate;
    private readonly bool truncateLeft;
    private readonly ConcurrentBag<EncodeScratch> scratchPool = [];

    private HuggingFaceTokenizer(JsonSource json, JsonElement root)
    {
        json.Object(root, "$");
        model = Model.Parse(json, json.Required(root, "model", "$"), "model");
        ModelType = model switch
        {
            BpeModel => "BPE",
            WordPieceModel => "WordPiece",
            UnigramModel => "Unigram",
            _ => "WordLevel",
        };
        normalizer = JsonSource.TryGet(root, "normalizer", out var n) ? Normalizer.Parse(json, n, "normalizer") : null;
        preTokenizer = JsonSource.TryGet(root, "pre_tokenizer", out var p) ? PreTokenizer.Parse(json, p, "pre_tokenizer") : null;
        added = new AddedVocabulary(json, root, model, normalizer);
        postProcessor = JsonSource.TryGet(root, "post_processor", out var pp) ? PostProcessor.Parse(json, pp, "post_processor", TokenToId) : null;
        decoder = JsonSource.TryGet(root, "decoder", out var d) ? Decoder.Parse(json, d, "decoder") : null;
        if (JsonSource.TryGet(root, "truncation", out var truncation))
        {
            json.Object(truncation, "truncation");
            TruncationMaxLength = json.AsInt(json.Required(truncation, "max_length", "truncation"), "truncation.max_length");
            truncateLeft = json.OptionalString(truncation, "direction", "truncation", "Right") switch
            {
                "Right" => false,
                "Left" => true,
                var other => throw json.Error("truncation.direction", $"\"{JsonSource.Excerpt(other!)}\" is not Right or Left."),
            };
            truncate = json.OptionalString(truncation, "strategy", "truncation", "LongestFirst") != "OnlySecond";
        }

        PaddingConfigured = JsonSource.TryGet(root, "padding", out _);
        vocabSize = Math.Max(model.Tokens.Length, added.MaxId + 1);
        AddsSpecialTokens = true;
    }

    private HuggingFaceTokenizer(HuggingFaceTokenizer other, bool addsSpecialTokens)
    {
        // Every component is immutable after parsing, so the copy shares them.
        (model, normalizer, preTokenizer, postProcessor, decoder, added) =
            (other.model, other.normalizer, other.preTokenizer, other.postProcessor, other.decoder, other.added);
        (vocabSize, truncate, truncateLeft, scratchPool) = (other.vocabSize, other.truncate, other.truncateLeft, other.scratchPool);
        (ModelType, TruncationMaxLength, PaddingConfigured) = (other.ModelType, other.TruncationMaxLength, other.PaddingConfigured);
        AddsSpecialTokens = addsSpecialTokens;
    }

    /// <summary>Whether <see cref="Encode(string)"/> adds the post-processor's special tokens (true for a loaded file;
    /// false after <see cref="WithoutSpecialTokens"/>).</summary>
    public bool AddsSpecialTokens { get; }

    /// <summary>The same tokenizer, sharing its tables, whose <see cref="Encode(string)"/> adds no special tokens
    /// (Hugging Face's <c>add_special_tokens=False</c>): what Model2Vec and sentence-transformers' static models encode
    /// with, and the CLI's <c>--no-special-tokens</c>.</summary>
    public HuggingFaceTokenizer WithoutSpecialTokens() => AddsSpecialTokens ? new HuggingFaceTokenizer(this, addsSpecialTokens: false) : this;

    /// <summary>The model family: <c>BPE</c>, <c>WordPiece</c>, <c>WordLevel</c> or <c>Unigram</c>.</summary>
    public string ModelType { get; }

    /// <summary>The file's <c>truncation.max_length</c>, or null when it has no truncation section (applied as Hugging
    /// Face applies it; see the remarks).</summary>
    public int? TruncationMaxLength { get; }

    /// <summary>Whether the file has a <c>padding</c> section (never applied here; see the remarks).</summary>
    public bool PaddingConfigured { get; }

    /// <summary>The number of ids: one more than the largest id of the model or the added tokens (Hugging Face's
    /// <c>get_vocab_size(with_added_tokens=True)</c> when ids are dense).</summary>
    public int VocabSize => vocabSize;

    /// <summary>Reads a <c>tokenizer.json</c>.</summary>
    /// <exception cref="TokenizerFormatException">The file is not a valid tokenizer.json (the message names the JSON
    /// path or line).</exception>
    /// <exception cref="IOException">The file cannot be read or is larger than <see cref="MaxFileBytes"/>.</exception>
    public static HuggingFaceTokenizer Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = InputFile.ReadAllBytes(path, MaxFileBytes, "a Hugging Face tokenizer.json");
        return FromJson(bytes, path);
    }

    /// <summary>Reads a tokenizer from the UTF-8 JSON text of a <c>tokenizer.json</c>; <paramref name="sourceName"/>
    /// names it in messages.</summary>
    /// <exception cref="TokenizerFormatException">The JSON is not a valid tokenizer.json.</exception>
    public static HuggingFaceTokenizer FromJson(ReadOnlySpan<byte> utf8Json, string sourceName = "tokenizer.json")
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        if (utf8Json.StartsWith("\uFEFF"u8))
        {
            utf8Json = utf8Json[3..];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            var line = e.LineNumber is { } l ? l + 1 : (long?)null;
            var where = e.BytePositionInLine is { } b ? string.Create(CultureInfo.InvariantCulture, $" at byte {b + 1} of the line") : "";
            throw new TokenizerFormatException(sourceName, line, $"the JSON is malformed or nested more than 64 deep{where}.", e);
        }

        using (document)
        {
            try
            {
                return new HuggingFaceTokenizer(new JsonSource(sourceName), document.RootElement);
            }
            catch (InvalidOperationException e)
            {
                // System.Text.Json reports a string that is not valid UTF-8 this way.
                throw new TokenizerFormatException(sourceName, null, "a string is not valid UTF-8: " + e.Message, e);
            }
        }
    }

    /// <summary>Encodes <paramref name="text"/> with the post-processor's special tokens, as Hugging Face's
    /// <c>encode(text)</c> does (without them when <see cref="AddsSpecialTokens"/> is false).</summary>
    public TokenEncoding Encode(string text) => Encode(text, AddsSpecialTokens);

    /// <summary>Encodes <paramref name="text"/>; <paramref name="addSpecialTokens"/> is Hugging Face's
    /// <c>add_special_tokens</c>.</summary>
    public TokenEncoding Encode(string text, bool addSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        var scratch = Rent();
        try
        {
            EncodeInto(text, addSpecialTokens, scratch);
            return new TokenEncoding([.. scratch.Ids], [.. scratch.TokenStrings], [.. scratch.Spans]);
        }
        finally
        {
            Return(scratch);
        }
    }

    /// <summary>Appends the ids <see cref="Encode(string)"/> gives to <paramref name="ids"/> without building the
    /// result's arrays: with a warm pool it allocates nothing (see <see cref="ITokenizer.EncodeIds"/>).</summary>
    public void EncodeIds(string text, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(ids);
        var scratch = Rent();
        try
        {
            EncodeInto(text, AddsSpecialTokens, scratch);
            ids.AddRange(scratch.Ids);
        }
        finally
        {
            Return(scratch);
        }
    }

    private EncodeScratch Rent() => scratchPool.TryTake(out var scratch) ? scratch : new EncodeScratch();

    private void Return(EncodeScratch scratch)
    {
        if (scratch.Buffer.Capacity <= EncodeScratch.MaxPooledChars)
        {
            scratch.Clear();
            scratchPool.Add(scratch);
        }
    }

    private void EncodeInto(string text, bool addSpecialTokens, EncodeScratch scratch)
    {
        var buffer = scratch.Buffer;
        var pieces = scratch.Pieces;
        var whole = buffer.AppendSource(text);

        // 1. Non-normalized added tokens on the raw text; 2. normalize the rest and cut the normalized added tokens.
        var rawSplit = scratch.RawPieces;
        added.Split(buffer, whole, normalized: false, rawSplit);
        foreach (var piece in rawSplit)
        {
            if (piece.AddedId >= 0)
            {
                pieces.Add(piece);
                continue;
            }

            var normalizedPiece = normalizer is null ? piece : normalizer.Normalize(buffer, piece, scratch);
            added.Split(buffer, normalizedPiece, normalized: true, pieces);
        }

        preTokenizer?.PreTokenize(buffer, pieces, scratch);

        var tokens = scratch.Tokens;
        foreach (var piece in pieces)
        {
            if (piece.Length == 0)
            {
                continue;
            }

            if (piece.AddedId >= 0)
            {
                var (s, e) = buffer.SourceSpan(piece.Start, piece.End);
                Add(scratch, piece.AddedId, buffer.Text(piece).ToString(), s, e, special: added.IsSpecial(added.Content(piece.AddedId)!));
                continue;
            }

            tokens.Clear();
            model.Tokenize(buffer.Text(piece), tokens);
            foreach (var t in tokens)
            {
                var (s, e) = buffer.SourceSpan(piece.Start + t.Start, piece.Start + t.End);
                Add(scratch, t.Id, t.Value ?? model.Tokens[t.Id] ?? "", s, e, special: false);
            }
        }

        if (truncate && TruncationMaxLength is { } maxLength)
        {
            var limit = Math.Max(0, maxLength - (addSpecialTokens ? postProcessor?.AddedTokens ?? 0 : 0));
            var extra = scratch.Ids.Count - limit;
            if (extra > 0)
            {
                var from = truncateLeft ? 0 : limit;
                scratch.Ids.RemoveRange(from, extra);
                scratch.TokenStrings.RemoveRange(from, extra);
                scratch.Spans.RemoveRange(from, extra);
                scratch.SpecialMask.RemoveRange(from, extra);
            }
        }

        postProcessor?.Process(scratch, addSpecialTokens);
    }

    private static void Add(EncodeScratch scratch, int id, string token, int start, int end, bool special)
    {
        scratch.Ids.Add(id);
        scratch.TokenStrings.Add(token);
        scratch.Spans.Add(new TokenSpan(start, end - start));
        scratch.SpecialMask.Add(special ? 1 : 0);
    }

    /// <summary>Decodes ids with special tokens kept (<c>skip_special_tokens=False</c>).</summary>
    public string Decode(ReadOnlySpan<int> ids) => Decode(ids, skipSpecialTokens: false);

    /// <summary>Decodes ids as Hugging Face's <c>decode(ids, skip_special_tokens)</c>: each id's string (an added
    /// token's, else the model's; ids no token has are skipped), special tokens left out when asked, then the decoder
    /// (or the strings joined by spaces when the file has none).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside 0..VocabSize−1.</exception>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens)
    {
        var tokens = new List<string>(ids.Length);
        foreach (var id in ids)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(id, nameof(ids));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, vocabSize, nameof(ids));
            var token = added.DecodeString(id) ?? (id < model.Tokens.Length ? model.Tokens[id] : null);
            if (token is null || (skipSpecialTokens && added.IsSpecial(token)))
            {
                continue;
            }

            tokens.Add(token);
        }

        if (decoder is null)
        {
            return string.Join(' ', tokens);
        }

        decoder.DecodeChain(tokens);
        return string.Concat(tokens);
    }

    /// <summary>The token of an id: an added token's content, else the model's token (empty for an id no token has).</summary>
    public string IdToToken(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, vocabSize);
        return added.Content(id) ?? (id < model.Tokens.Length ? model.Tokens[id] : null) ?? "";
    }

    /// <summary>The id of a token: an added token's first, else the model's; −1 when neither has it.</summary>
    public int TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var id = added.TokenToId(token);
        return id >= 0 ? id : model.Vocab.TryGetValue(token, out var m) ? m : -1;
    }
}

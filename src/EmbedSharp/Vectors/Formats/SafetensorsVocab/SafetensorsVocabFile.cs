using System.Globalization;
using System.Text;
using System.Text.Json;
using EmbedSharp.Numerics;
using EmbedSharp.Numerics.Formats;
using EmbedSharp.Numerics.Formats.Safetensors;

namespace EmbedSharp.Vectors.Formats.SafetensorsVocab;

/// <summary>
/// Word vectors in one safetensors file: the (V, D) matrix as tensor <c>"vectors"</c> and the vocabulary in
/// <c>__metadata__["vocab"]</c> as a JSON array of strings, row order (<c>docs/formats/safetensors-vocab.md</c>).
/// A JSON array (not newline-joined text) so that any word survives. From Python:
/// <c>save_file({"vectors": kv.vectors}, "v.safetensors", metadata={"vocab": json.dumps(kv.index_to_key)})</c>.
/// </summary>
/// <remarks>
/// Reading accepts F32, F64, F16 and BF16 matrices (converted to float32) and a ".gz" file. Duplicate words keep their
/// first row and are reported. Bad input throws <see cref="TensorFormatException"/> for: anything
/// <see cref="SafetensorsFile"/> refuses, a missing or ambiguous tensor, a matrix that is not 2-D, a missing vocabulary
/// key, a value that is not a JSON array of strings, a word count that differs from the row count, a word with an
/// unpaired surrogate (under <see cref="Utf8Policy.Strict"/>) and NaN/±∞ unless allowed.
/// </remarks>
public static class SafetensorsVocabFile
{
    /// <summary>The default tensor name of the matrix.</summary>
    public const string DefaultTensorName = "vectors";

    /// <summary>The default metadata key of the vocabulary.</summary>
    public const string DefaultVocabularyKey = "vocab";

    /// <summary>Reads word vectors from a safetensors file.</summary>
    public static WordVectors Read(string path, SafetensorsVocabReadOptions? options = null) => Read(path, options, out _);

    /// <summary>Reads word vectors, reporting dropped duplicates, skipped and repaired words.</summary>
    /// <exception cref="TensorFormatException">The file is malformed (see the type's remarks).</exception>
    public static WordVectors Read(string path, SafetensorsVocabReadOptions? options, out WordReadReport report)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new SafetensorsVocabReadOptions();
        if (options.Limit is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Limit, "Limit must be ≥ 0.");
        }

        SafetensorsContent content;
        if (WordListFile.IsGzip(path))
        {
            // Decompressed into memory (the reader seeks), as far as the data goes and at most what one array holds:
            // the header's claims are then checked against what is really there.
            using var gzip = GzipInput.Open(InputFile.Open(path, seekableFor: null), path, m => new TensorFormatException(m));
            using var memory = new MemoryStream();
            var chunk = new byte[1 << 16];
            int read;
            while ((read = gzip.Read(chunk)) > 0)
            {
                if (memory.Length + read > Array.MaxLength)
                {
                    throw new IOException($"'{path}' decompresses to more than {Array.MaxLength:N0} bytes, more than a compressed safetensors file may hold; decompress it first.");
                }

                memory.Write(chunk, 0, read);
            }

            memory.Position = 0;
            content = SafetensorsFile.Read(memory);
        }
        else
        {
            content = SafetensorsFile.Read(path);
        }

        var name = options.TensorName ?? (content.Names.Count == 1 ? content.Names[0] : DefaultTensorName);
        if (!content.Contains(name))
        {
            throw new TensorFormatException($"The file has no tensor '{name}'; it has {(content.Names.Count == 0 ? "none" : string.Join(", ", content.Names.Select(n => "'" + n + "'")))}. Set TensorName.", path, 0);
        }

        var matrix = content.GetTensor(name);
        if (matrix.Rank != 2)
        {
            throw new TensorFormatException($"Word vectors need a 2-D (V, D) matrix; '{name}' has shape {FloatTensor.FormatShape(matrix.Shape)}.", path, 0);
        }

        var entries = ParseVocabulary(content, options, matrix.Shape[0], path, out var replaced);
        var words = WordRows.Resolve(entries, replaced, out var kept, out report);
        if (entries.Length < matrix.Shape[0] || kept is not null)
        {
            matrix = WordRows.SelectRows(matrix, kept ?? [.. Enumerable.Range(0, entries.Length)]);
        }

        if (!options.AllowNonFinite && WordRows.FindNonFinite(matrix, matrix.RowCount, out var row, out var column))
        {
            throw new TensorFormatException(string.Create(CultureInfo.InvariantCulture,
                $"The vector of '{words[row]}' (row {row}) has {matrix.Row(row)[column]} at column {column}; set AllowNonFinite to accept NaN and infinities."), path, -1);
        }

        return new WordVectors(words, matrix);
    }

    /// <summary>Writes the matrix as an F32 tensor (or the dtype of <see cref="SafetensorsVocabWriteOptions.DType"/>) and the
    /// words as a JSON array in the metadata, atomically.</summary>
    /// <exception cref="ArgumentException">A word has an unpaired surrogate, or a name is invalid; nothing is written.</exception>
    public static void Write(string path, WordVectors vectors, SafetensorsVocabWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        options ??= new SafetensorsVocabWriteOptions();
        for (var i = 0; i < vectors.Count; i++)
        {
            if (!WordListFile.IsValidUtf16(vectors.Words[i]))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Word {i} contains an unpaired surrogate and has no UTF-8 form."), nameof(vectors));
            }
        }

        var json = JsonArray(vectors.Words);
        SafetensorsFile.Write(path, new Dictionary<string, FloatTensor> { [options.TensorName] = vectors.Vectors }, new Dictionary<string, string> { [options.VocabularyKey] = json },
            new SafetensorsWriteOptions { DType = options.DType });
    }

    /// <summary>The words as Python's <c>json.dumps(words, ensure_ascii=False, separators=(",", ":"))</c> writes them:
    /// only '"', '\\' and control characters escaped (\\b \\f \\n \\r \\t, else \\u00xx), everything else as is.</summary>
    internal static string JsonArray(IReadOnlyList<string> words)
    {
        var sb = new StringBuilder("[");
        for (var i = 0; i < words.Count; i++)
        {
            sb.Append(i == 0 ? "\"" : ",\"");
            foreach (var c in words[i])
            {
                _ = c switch
                {
                    '"' => sb.Append("\\\""),
                    '\\' => sb.Append("\\\\"),
                    '\b' => sb.Append("\\b"),
                    '\f' => sb.Append("\\f"),
                    '\n' => sb.Append("\\n"),
                    '\r' => sb.Append("\\r"),
                    '\t' => sb.Append("\\t"),
                    < ' ' => sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                    _ => sb.Append(c),
                };
            }

            sb.Append('"');
        }

        return sb.Append(']').ToString();
    }

    /// <summary>Undoes the escapes of a raw JSON string literal (quotes included) into UTF-16 code units, keeping
    /// unpaired surrogates so that the <see cref="Utf8Policy"/> can deal with them.</summary>
    private static string UnescapeRaw(string raw)
    {
        var sb = new StringBuilder(raw.Length);
        for (var i = 1; i < raw.Length - 1; i++)
        {
            if (raw[i] != '\\')
            {
                sb.Append(raw[i]);
                continue;
            }

            var e = raw[++i];
            if (e == 'u')
            {
                sb.Append((char)ushort.Parse(raw.AsSpan(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                i += 4;
            }
            else
            {
                sb.Append(e switch { 'b' => '\b', 'f' => '\f', 'n' => '\n', 'r' => '\r', 't' => '\t', _ => e });
            }
        }

        return sb.ToString();
    }

    private static string?[] ParseVocabulary(SafetensorsContent content, SafetensorsVocabReadOptions options, long rows, string path, out int replaced)
    {
        replaced = 0;
        if (!content.Metadata.TryGetValue(options.VocabularyKey, out var json))
        {
            throw new TensorFormatException($"The file's __metadata__ has no '{options.VocabularyKey}' key holding the vocabulary; it has {(content.Metadata.Count == 0 ? "no keys" : string.Join(", ", content.Metadata.Keys.Select(k => "'" + k + "'")))}.", path, 8);
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new TensorFormatException($"__metadata__['{options.VocabularyKey}'] is not valid JSON: {e.Message}", path, 8, e);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new TensorFormatException($"__metadata__['{options.VocabularyKey}'] must be a JSON array of strings; it is a {doc.RootElement.ValueKind}.", path, 8);
            }

            var count = doc.RootElement.GetArrayLength();
            if (count != rows)
            {
                throw new TensorFormatException(string.Create(CultureInfo.InvariantCulture, $"The matrix has {rows} rows but the vocabulary has {count} words."), path, 8);
            }

            var take = (int)Math.Min(count, options.Limit ?? int.MaxValue);
            var entries = new string?[take];
            var i = 0;
            foreach (var element in doc.RootElement.EnumerateArray())
            {
                if (i == take)
                {
                    break;
                }

                if (element.ValueKind != JsonValueKind.String)
                {
                    throw new TensorFormatException(string.Create(CultureInfo.InvariantCulture, $"Vocabulary entry {i} is a {element.ValueKind}, not a string."), path, 8);
                }

                string? word;
                try
                {
                    word = element.GetString()!;
                }
                catch (InvalidOperationException)
                {
                    word = UnescapeRaw(element.GetRawText()); // System.Text.Json refuses unpaired surrogate escapes
                }

                if (!WordListFile.IsValidUtf16(word))
                {
                    switch (options.InvalidUtf8)
                    {
                        case Utf8Policy.Replace:
                            word = WordListFile.ReplaceUnpairedSurrogates(word);
                            replaced++;
                            break;
                        case Utf8Policy.Skip:
                            word = null;
                            break;
                        default:
                            throw new TensorFormatException(string.Create(CultureInfo.InvariantCulture, $"Vocabulary entry {i} has an unpaired surrogate; set InvalidUtf8 to Replace or Skip to read it."), path, 8);
                    }
                }

                entries[i++] = word;
            }

            return entries;
        }
    }
}

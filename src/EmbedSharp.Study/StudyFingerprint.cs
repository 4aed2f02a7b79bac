using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using WordVectorSet = EmbedSharp.Vectors.WordVectors;

namespace EmbedSharp.Study;

/// <summary>
/// The SHA-256 fingerprint of what a study's runs depend on, shared by the initialisation study and the claims
/// experiments: a tag, the build of this assembly (its module version id, which deterministic builds derive from the
/// compiled code, so a changed trainer makes earlier run files stale), then whatever the caller adds: strings (each
/// followed by a 0 byte), a corpus (label names, then label and text of every example), vectors (words, then the raw
/// float bytes of every row). <see cref="Finish"/> gives <c>sha256:</c> and the first 16 hex digits.
/// </summary>
internal sealed class StudyFingerprint : IDisposable
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>Starts a fingerprint with <paramref name="tag"/> and the Study assembly's module version id.</summary>
    public StudyFingerprint(string tag)
    {
        Add(tag);
        Add(typeof(StudyFingerprint).Assembly.ManifestModule.ModuleVersionId.ToString("N"));
    }

    /// <summary>Adds a string and a 0 byte.</summary>
    public void Add(string value)
    {
        _sha.AppendData(Encoding.UTF8.GetBytes(value));
        _sha.AppendData([0]);
    }

    /// <summary>Adds the label names (comma-joined), then each example's label and text.</summary>
    public void Add(StudyCorpus corpus)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        Add(string.Join(',', corpus.LabelNames));
        foreach (var e in corpus.Examples)
        {
            Add(e.Label.ToString(CultureInfo.InvariantCulture));
            Add(e.Text);
        }
    }

    /// <summary>Adds every word, then every row's float bytes.</summary>
    public void Add(WordVectorSet vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        foreach (var w in vectors.Words)
        {
            Add(w);
        }

        for (long r = 0; r < vectors.Vectors.RowCount; r++)
        {
            _sha.AppendData(MemoryMarshal.AsBytes(vectors.Vectors.Row(r)));
        }
    }

    /// <summary>Adds invariant-culture text and a 0 byte.</summary>
    public void Add(FormattableString value) => Add(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Adds the count, then the raw bytes of <paramref name="values"/> (token ids, a table).</summary>
    public void Add<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        Add(values.Length.ToString(CultureInfo.InvariantCulture));
        _sha.AppendData(MemoryMarshal.AsBytes(values));
    }

    /// <summary><c>sha256:</c> and the first 16 hex digits of the hash so far.</summary>
    public string Finish() => "sha256:" + Convert.ToHexStringLower(_sha.GetHashAndReset())[..16];

    /// <inheritdoc />
    public void Dispose() => _sha.Dispose();
}

using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace EmbedSharp.Study.Claims;

/// <summary>Builds an experiment's fingerprint: SHA-256 over everything its runs depend on (settings, data, vectors) and
/// the build of the study (its module version id: a changed trainer makes earlier run files stale).</summary>
internal sealed class Fingerprint : IDisposable
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>Starts a fingerprint of experiment kind <paramref name="kind"/>.</summary>
    public Fingerprint(string kind)
    {
        Add(kind);
        Add(typeof(Fingerprint).Assembly.ManifestModule.ModuleVersionId.ToString("N"));
    }

    /// <summary>Adds a string (with a terminator, so that "ab"+"c" differs from "a"+"bc").</summary>
    public Fingerprint Add(string text)
    {
        _sha.AppendData(Encoding.UTF8.GetBytes(text));
        _sha.AppendData([0]);
        return this;
    }

    /// <summary>Adds a value as invariant text.</summary>
    public Fingerprint Add(FormattableString text) => Add(text.ToString(CultureInfo.InvariantCulture));

    /// <summary>Adds raw values.</summary>
    public Fingerprint Add<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        Add(FormattableString.Invariant($"{values.Length}"));
        _sha.AppendData(MemoryMarshal.AsBytes(values));
        return this;
    }

    /// <summary>The fingerprint: <c>sha256:</c> and 16 hex digits.</summary>
    public string Finish() => "sha256:" + Convert.ToHexStringLower(_sha.GetHashAndReset())[..16];

    /// <inheritdoc/>
    public void Dispose() => _sha.Dispose();
}

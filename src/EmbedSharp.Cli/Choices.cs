using System.Globalization;

namespace EmbedSharp.Cli;

/// <summary>
/// The values an option (or argument) accepts and the one parser every command uses for them: case-insensitive,
/// surrounding blanks ignored, <c>_</c> read as <c>-</c> (snake_case as PyTorch and fastText write it). A mistake is
/// <c>Unknown WHAT 'TEXT'; expected a or b.</c> (<c>expected one of: a, b, c.</c> for three or more), thrown as an
/// <see cref="ArgumentException"/> that <see cref="CliErrors"/> prints as one line.
/// </summary>
/// <typeparam name="T">What a name stands for.</typeparam>
internal sealed class Choices<T>
{
    private readonly (string[] Names, T Value)[] _entries;

    /// <summary>Each entry is <c>"name|alias|…"</c> and its value; the first name is the one listed in messages.</summary>
    public Choices(params (string Names, T Value)[] entries)
    {
        _entries = [.. entries.Select(e => (e.Names.Split('|').Select(Normalise).ToArray(), e.Value))];
    }

    /// <summary>The listed names, in order.</summary>
    public IReadOnlyList<string> Names => [.. _entries.Select(e => e.Names[0])];

    /// <summary>The names as a message lists them: <c>a</c>, <c>a or b</c>, <c>one of: a, b, c</c>.</summary>
    public string Listed => Names.Count switch
    {
        1 => Names[0],
        2 => $"{Names[0]} or {Names[1]}",
        _ => "one of: " + string.Join(", ", Names),
    };

    /// <summary>Parses <paramref name="text"/>; <paramref name="what"/> names the option in the message (<c>--model</c>, <c>dataset</c>).</summary>
    /// <exception cref="ArgumentException">No entry has that name.</exception>
    public T Parse(string text, string what) =>
        TryParse(text, out var value) ? value : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
            $"Unknown {what} '{text.Trim()}'; expected {Listed}."));

    /// <summary>Like <see cref="Parse"/>, returning false instead of throwing.</summary>
    public bool TryParse(string text, out T value)
    {
        var key = Normalise(text);
        foreach (var (names, v) in _entries)
        {
            if (Array.IndexOf(names, key) >= 0)
            {
                value = v;
                return true;
            }
        }

        value = default!;
        return false;
    }

    private static string Normalise(string text) => text.Trim().Replace('_', '-').ToLowerInvariant();
}

/// <summary>Choices over every value of an enum, by its kebab-case name (<see cref="Kebab.Of{T}"/>).</summary>
internal static class Choices
{
    /// <summary>Every value of <typeparamref name="T"/> by its kebab-case name: <c>XavierUniform</c> is <c>xavier-uniform</c>.</summary>
    public static Choices<T> Of<T>()
        where T : struct, Enum => new([.. Enum.GetValues<T>().Select(v => (Kebab.Of(v), v))]);
}

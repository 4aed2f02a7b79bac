namespace EmbedSharp.Numerics.Formats.Safetensors;

/// <summary>One tensor entry of a safetensors header.</summary>
/// <param name="Name">The tensor's name (the JSON key).</param>
/// <param name="DType">The stored element type.</param>
/// <param name="Shape">The shape (empty for a scalar).</param>
/// <param name="Begin">First data byte, relative to the end of the header.</param>
/// <param name="End">One past the last data byte, relative to the end of the header.</param>
public sealed record SafetensorsTensorInfo(string Name, SafetensorsDType DType, IReadOnlyList<long> Shape, long Begin, long End);

using System.Runtime.InteropServices;
using EmbedSharp.Numerics;

namespace EmbedSharp.FastText;

/// <summary>
/// A (rows, dim) float32 matrix in one 64-byte aligned native block, wrapped as a <see cref="FloatTensor"/> (no copy), so
/// Hogwild workers can address rows through a stable pointer and the size is not limited by the largest managed array.
/// The block is freed when the tensor (which keeps this owner alive) is collected.
/// </summary>
internal sealed unsafe class NativeMatrix
{
    private NativeMatrix(float* pointer, long rows, int dim)
    {
        Pointer = pointer;
        Rows = rows;
        Dim = dim;
    }

    ~NativeMatrix()
    {
        HugePages.Free(Pointer);
    }

    public float* Pointer { get; }

    public long Rows { get; }

    public int Dim { get; }

    /// <summary>Allocates a zero-filled matrix and the tensor over it.</summary>
    public static (NativeMatrix Matrix, FloatTensor FloatTensor) Create(long rows, int dim)
    {
        var bytes = checked((nuint)(rows * dim * sizeof(float)));
        var p = (float*)HugePages.Allocate(bytes);
        NativeMemory.Clear(p, bytes);
        var m = new NativeMatrix(p, rows, dim);
        return (m, FloatTensor.FromPointer((nint)p, m, rows, dim));
    }

    /// <summary>A tensor view of this block (keeps it alive).</summary>
    public FloatTensor AsTensor() => FloatTensor.FromPointer((nint)Pointer, this, Rows, Dim);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)] // a call per row in the trainers' loops otherwise
    public float* Row(int row) => Pointer + ((long)row * Dim);
}

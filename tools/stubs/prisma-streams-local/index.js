throw new Error('@prisma/streams-local is stubbed out in this repository: `prisma dev` is not supported here.');

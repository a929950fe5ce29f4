import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';

export interface PrintableTicket {
  ticketId: string;
  matchNumber: number;
  category: number;
  homeTeam: string;
  awayTeam: string;
  venue: string;
  kickOff: Date;
  holderName: string;
  code: string;
}

const kickOffText = (d: Date) =>
  `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;

/** An A5 page a fan can print or show: match, category, holder and the static signed code. */
export async function renderTicketPdf(ticket: PrintableTicket): Promise<Buffer> {
  // Error correction M: printed codes get creased and smudged.
  const qr = QRCode.create(ticket.code, { errorCorrectionLevel: 'M' });
  const doc = new PDFDocument({
    size: 'A5',
    margin: 36,
    info: {
      Title: `E-ticket ${ticket.ticketId}`,
      Subject: `Match ${ticket.matchNumber}: ${ticket.homeTeam} v ${ticket.awayTeam}`,
      Author: 'Ticketaka',
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.fontSize(10).fillColor('#555').text('FIFA World Cup - official e-ticket (Ticketaka)');
  doc.moveDown(0.5);
  doc.fontSize(20).fillColor('#000').text(`${ticket.homeTeam} v ${ticket.awayTeam}`);
  doc.fontSize(12).text(`Match ${ticket.matchNumber} - ${ticket.venue}`);
  doc.text(`Kick-off ${kickOffText(ticket.kickOff)}`);
  doc.moveDown(0.5);
  doc.fontSize(14).text(`Category ${ticket.category}`);
  doc.fontSize(12).text(`Holder: ${ticket.holderName}`);
  doc.moveDown(0.5);
  drawQr(doc, qr.modules, 260);
  doc.moveDown(0.5);
  doc
    .fontSize(8)
    .fillColor('#555')
    .text(`Ticket ${ticket.ticketId}`)
    .text(
      'Show this code at the gate. It stops working if the ticket is resold or transferred; ' +
        'the code in the app changes every 30 seconds and is always current.',
    );
  doc.end();
  return finished;
}

/**
 * The code as vector squares rather than an embedded bitmap: sharp at any printer
 * resolution, and far cheaper to produce than a PNG the PDF library would have to decode.
 */
function drawQr(doc: PDFKit.PDFDocument, modules: QRCode.BitMatrix, size: number) {
  const quiet = 4;
  const cell = size / (modules.size + 2 * quiet);
  const left = (doc.page.width - size) / 2;
  const top = doc.y;
  doc.rect(left, top, size, size).fill('#fff');
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size; col++) {
      if (modules.get(row, col))
        doc.rect(left + (col + quiet) * cell, top + (row + quiet) * cell, cell, cell);
    }
  }
  doc.fill('#000');
  doc.y = top + size;
  doc.x = doc.page.margins.left;
}
